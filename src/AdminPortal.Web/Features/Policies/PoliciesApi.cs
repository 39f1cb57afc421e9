using System.Security.Claims;
using System.Text.Json;
using AdminPortal.Core.Features.Alerts;
using AdminPortal.Core.Features.Playbooks;
using AdminPortal.Core.Features.Policies;
using AdminPortal.Web.Api;
using AdminPortal.Web.Features.Alerts;
using AdminPortal.Web.Features.Playbooks;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AdminPortal.Web.Features.Policies;

/// <summary>Policies: list, get (also by POST, as the connector does), create, update, enable, disable, delete.</summary>
public static class PoliciesApi
{
    public static RouteGroupBuilder MapPoliciesApi(this RouteGroupBuilder api)
    {
        var policies = api.MapGroup("/policies").WithTags("Policies");
        policies.MapGet("/", List).RequireAuthorization(ApiPolicies.Reader).WithSummary("List policies");
        policies.MapPost("/", Create).RequireAuthorization(ApiPolicies.Admin).WithSummary("Create a policy (optionally from a templateId)");
        policies.MapGet("/{id}/", Get).RequireAuthorization(ApiPolicies.Reader).WithSummary("Get a policy");
        policies.MapPost("/{id}/", Get).RequireAuthorization(ApiPolicies.Reader).WithSummary("Get a policy (the connector's MCAS_GET_POLICY)");
        policies.MapPut("/{id}/", Update).RequireAuthorization(ApiPolicies.Admin).WithSummary("Update a policy; send version (or If-Match) to refuse overwriting someone else's change");
        policies.MapDelete("/{id}/", Delete).RequireAuthorization(ApiPolicies.Admin).WithSummary("Delete a policy (its alerts stay)");
        policies.MapPost("/{id}/enable/", (string id, ClaimsPrincipal user, PolicyService service, CancellationToken ct) => SetEnabled(id, true, user, service, ct))
            .RequireAuthorization(ApiPolicies.Admin).WithSummary("Enable a policy");
        policies.MapPost("/{id}/disable/", (string id, ClaimsPrincipal user, PolicyService service, CancellationToken ct) => SetEnabled(id, false, user, service, ct))
            .RequireAuthorization(ApiPolicies.Admin).WithSummary("Disable a policy");
        policies.MapGet("/templates/", () => TypedResults.Ok(PolicyTemplates.All.Select(t => new { id = t.Id, name = t.Name, description = t.Description, category = t.Category.ToString() })))
            .RequireAuthorization(ApiPolicies.Reader).WithSummary("Built-in policy templates");
        return api;
    }

    private static async Task<Results<Ok<ListEnvelope<PolicyJson>>, ValidationProblem>> List(HttpRequest request, PolicyService service, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var skip = QueryInt(request, "skip", 0, 0, int.MaxValue, errors);
        var limit = QueryInt(request, "limit", 100, 1, 100, errors);
        if (errors.Count > 0)
            return ApiRequests.Invalid(errors);
        var all = await service.AllAsync(cancellationToken);
        var page = all.Skip(skip).Take(limit).Select(PolicyJson.From).ToList();
        return TypedResults.Ok(new ListEnvelope<PolicyJson>(page, skip + page.Count < all.Count, limit, all.Count, false));
    }

    private static async Task<Results<Ok<PolicyJson>, ProblemHttpResult>> Get(string id, PolicyService service, CancellationToken cancellationToken) =>
        await service.GetAsync(id.ToLowerInvariant(), cancellationToken) is { } policy ? TypedResults.Ok(PolicyJson.From(policy)) : ApiRequests.NotFound("policy", id);

    private static async Task<Results<Created<PolicyJson>, ValidationProblem, ProblemHttpResult>> Create(
        HttpRequest request, ClaimsPrincipal user, PolicyService service, PlaybookService playbooks, CancellationToken cancellationToken)
    {
        var body = await ApiRequests.ReadAsync(request, cancellationToken);
        if (body.Problem is { } problem)
            return problem;
        if (body.Json.ValueKind != JsonValueKind.Object)
            return ApiRequests.Invalid("body", "The body must be a JSON object describing the policy.");

        var actor = user.Identity!.Name!;
        var draft = new PolicyDraft();
        if (body.Json.TryGetProperty("templateId", out var templateId) && templateId.ValueKind != JsonValueKind.Null)
        {
            if (templateId.ValueKind != JsonValueKind.String || PolicyTemplates.Find(templateId.GetString()) is not { } template)
                return ApiRequests.Invalid("templateId", $"There is no template with that id; use {string.Join(", ", PolicyTemplates.All.Select(t => t.Id))}.");
            draft = PolicyTemplates.DraftFrom(template, actor);
        }
        var errors = new Dictionary<string, List<string>>();
        PolicyJson.ApplyTo(body.Json, draft, errors);
        if (errors.Count > 0)
            return ApiRequests.Invalid(errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
        if (await UnusablePlaybooksAsync(user, playbooks, [], draft, cancellationToken) is { } refused)
            return refused;
        try
        {
            var policy = await service.CreateAsync(draft, actor, cancellationToken);
            var prefix = request.Path.StartsWithSegments("/cas") ? "/cas/api/v1" : "/api/v1";
            return TypedResults.Created($"{prefix}/policies/{policy.Id}/", PolicyJson.From(policy));
        }
        catch (ValidationException e)
        {
            return Invalid(e);
        }
    }

    private static async Task<Results<Ok<PolicyJson>, ValidationProblem, ProblemHttpResult>> Update(
        string id, HttpRequest request, ClaimsPrincipal user, PolicyService service, PlaybookService playbooks, CancellationToken cancellationToken)
    {
        var body = await ApiRequests.ReadAsync(request, cancellationToken);
        if (body.Problem is { } problem)
            return problem;
        if (body.Json.ValueKind != JsonValueKind.Object)
            return ApiRequests.Invalid("body", "The body must be a JSON object with the policy fields to change.");
        if (await service.GetAsync(id.ToLowerInvariant(), cancellationToken) is not { } existing)
            return ApiRequests.NotFound("policy", id);

        Guid? expected = null;
        var ifMatch = request.Headers.IfMatch.ToString().Trim('"', ' ', 'W', '/');
        if (body.Json.TryGetProperty("version", out var version) && version.ValueKind != JsonValueKind.Null)
        {
            if (version.ValueKind != JsonValueKind.String || !Guid.TryParse(version.GetString(), out var parsed))
                return ApiRequests.Invalid("version", "version must be the policy's version string as read from the API.");
            expected = parsed;
        }
        else if (ifMatch.Length > 0)
        {
            if (!Guid.TryParse(ifMatch, out var parsed))
                return ApiRequests.Invalid("If-Match", "If-Match must be the policy's version as read from the API.");
            expected = parsed;
        }

        var draft = PolicyDraft.From(existing);
        var errors = new Dictionary<string, List<string>>();
        PolicyJson.ApplyTo(body.Json, draft, errors);
        if (errors.Count > 0)
            return ApiRequests.Invalid(errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
        if (await UnusablePlaybooksAsync(user, playbooks, existing.Playbooks.Select(l => l.PlaybookId).ToList(), draft, cancellationToken) is { } refused)
            return refused;
        try
        {
            var change = await service.UpdateAsync(existing.Id, draft, expected, user.Identity!.Name!, cancellationToken);
            return change.Status switch
            {
                PolicyChangeStatus.Done => TypedResults.Ok(PolicyJson.From(change.Policy!)),
                PolicyChangeStatus.Conflict => ApiRequests.Problem(StatusCodes.Status409Conflict, "Changed by someone else",
                    $"The policy was changed after version {expected} was read (it is now {change.Policy?.Version}); read it again and reapply your change."),
                _ => ApiRequests.NotFound("policy", id),
            };
        }
        catch (ValidationException e)
        {
            return Invalid(e);
        }
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(string id, ClaimsPrincipal user, PolicyService service, CancellationToken cancellationToken) =>
        (await service.DeleteAsync(id.ToLowerInvariant(), user.Identity!.Name!, cancellationToken)).Status == PolicyChangeStatus.Done
            ? TypedResults.NoContent()
            : ApiRequests.NotFound("policy", id);

    private static async Task<Results<Ok<PolicyJson>, ProblemHttpResult>> SetEnabled(string id, bool enabled, ClaimsPrincipal user, PolicyService service, CancellationToken cancellationToken) =>
        await service.SetEnabledAsync(id.ToLowerInvariant(), enabled, user.Identity!.Name!, cancellationToken) is { Status: PolicyChangeStatus.Done, Policy: { } policy }
            ? TypedResults.Ok(PolicyJson.From(policy))
            : ApiRequests.NotFound("policy", id);

    /// <summary>
    /// A policy may only start sending alerts to playbooks the caller may use (403 naming the others); links that
    /// are already there stay, even to playbooks the caller cannot see.
    /// </summary>
    private static async Task<ProblemHttpResult?> UnusablePlaybooksAsync(ClaimsPrincipal user, PlaybookService playbooks, IReadOnlyList<Guid> linked,
        PolicyDraft draft, CancellationToken cancellationToken)
    {
        var added = (draft.AlertSettings.PlaybookIds ?? []).Except(linked).ToList();
        var refused = await playbooks.NotUsableAsync(PlaybooksApi.Viewer(user), added, cancellationToken);
        return refused.Count == 0 ? null : ApiRequests.Problem(StatusCodes.Status403Forbidden, "Playbook not available",
            $"alertSettings.playbookIds: you may not send alerts to {string.Join(", ", refused)}; it does not exist or is neither yours nor shared with you.");
    }

    /// <summary>Validator property names (<c>Conditions[0].Values</c>) in the API's spelling (<c>conditions[0].values</c>).</summary>
    public static ValidationProblem Invalid(ValidationException exception) =>
        ApiRequests.Invalid(exception.Errors.GroupBy(e => ApiFieldName(e.PropertyName)).ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).Distinct().ToArray()));

    public static string ApiFieldName(string property) => property switch
    {
        nameof(PolicyDraft.Type) => "policyType",
        nameof(PolicyDraft.ThresholdCount) => "threshold.count",
        nameof(PolicyDraft.ThresholdWindowMinutes) => "threshold.windowMinutes",
        "AlertSettings.DailyAlertLimit" => "alertSettings.alertDailyLimit",
        _ => string.Join('.', property.Split('.').Select(part => part.Length > 0 ? char.ToLowerInvariant(part[0]) + part[1..] : part)),
    };

    private static int QueryInt(HttpRequest request, string name, int fallback, int min, int max, Dictionary<string, string[]> errors)
    {
        if (!request.Query.TryGetValue(name, out var text))
            return fallback;
        if (int.TryParse(text, out var value) && value >= min && value <= max)
            return value;
        errors[name] = [max == int.MaxValue ? $"{name} must be a whole number, {min} or more." : $"{name} must be a whole number from {min} to {max}."];
        return fallback;
    }
}
