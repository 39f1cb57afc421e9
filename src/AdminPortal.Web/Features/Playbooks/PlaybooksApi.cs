using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Serialization;
using AdminPortal.Core.Features.Playbooks;
using AdminPortal.Core.Features.Users;
using AdminPortal.Web.Api;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AdminPortal.Web.Features.Playbooks;

/// <summary>A playbook in API answers: the callback URL masked, never a secret (except <see cref="CreatedPlaybookJson"/>, once).</summary>
public sealed record PlaybookJson(
    [property: JsonPropertyName("id")] Guid Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("description")] string? Description,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("owner")] string Owner,
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("headerName")] string? HeaderName,
    [property: JsonPropertyName("enabled")] bool Enabled,
    [property: JsonPropertyName("disabledReason")] string? DisabledReason,
    [property: JsonPropertyName("linkedPolicies")] int LinkedPolicies,
    [property: JsonPropertyName("createdAt")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("updatedAt")] DateTimeOffset UpdatedAt,
    [property: JsonPropertyName("lastDeliveryAt")] DateTimeOffset? LastDeliveryAt,
    [property: JsonPropertyName("lastStatusCode")] int? LastStatusCode)
{
    public static PlaybookJson From(PlaybookRow row) => new(
        row.Id, row.Name, row.Description, row.Kind.ToString(), row.OwnerUpn, row.CallbackUrlMasked, row.HeaderName, row.IsEnabled,
        row.DisabledReason, row.LinkedPolicies, row.CreatedAt, row.UpdatedAt, row.LastDeliveryAt, row.LastStatusCode);
}

/// <summary>The answer to adding a webhook playbook: the only time its signing secret is shown.</summary>
public sealed record CreatedPlaybookJson(
    [property: JsonPropertyName("playbook")] PlaybookJson Playbook,
    [property: JsonPropertyName("signingSecret")] string SigningSecret);

/// <summary>
/// The Power Automate connector's webhook trigger (<c>ms_flow</c>: register, unsubscribe) and webhook playbooks
/// added by hand (list the visible ones, add, delete).
/// </summary>
public static class PlaybooksApi
{
    public static RouteGroupBuilder MapPlaybooksApi(this RouteGroupBuilder api)
    {
        var flows = api.MapGroup("/ms_flow").WithTags("Power Automate");
        flows.MapPost("/", RegisterFlow).RequireAuthorization(ApiPolicies.Operator)
            .WithSummary("Register a Power Automate trigger (the connector's MCAS_ON_ALERT_GENERATED): answers 201 with Location");
        flows.MapDelete("/{id}/", UnregisterFlow).RequireAuthorization(ApiPolicies.Operator)
            .WithSummary("Unregister a Power Automate trigger (the connector's MCAS_DELETE_FLOW)");

        var playbooks = api.MapGroup("/playbooks").WithTags("Playbooks");
        playbooks.MapGet("/", List).RequireAuthorization(ApiPolicies.Reader).WithSummary("Playbooks the caller owns or was granted (admins: all)");
        playbooks.MapPost("/", Create).RequireAuthorization(ApiPolicies.Operator)
            .WithSummary("Add a webhook playbook; the answer carries its signing secret, shown only this once");
        playbooks.MapDelete("/{id}/", Delete).RequireAuthorization(ApiPolicies.Operator).WithSummary("Delete a playbook (its policies are unlinked)");
        return api;
    }

    public static PlaybookViewer Viewer(ClaimsPrincipal user) => new(
        Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!),
        user.Identity!.Name!,
        PortalPolicies.TryParseRole(user.FindFirstValue(ClaimTypes.Role), out var role) ? role : PortalRole.SecurityReader);

    private static async Task<Results<Created<PlaybookJson>, ValidationProblem, ProblemHttpResult>> RegisterFlow(
        HttpRequest request, ClaimsPrincipal user, PlaybookService service, CancellationToken cancellationToken)
    {
        var body = await ApiRequests.ReadAsync(request, cancellationToken);
        if (body.Problem is { } problem)
            return problem;
        if (body.Json.ValueKind != JsonValueKind.Object)
            return ApiRequests.Invalid("body", """The body must be a JSON object such as {"callback_url": "https://…"}.""");
        var callbackUrl = OptionalString(body.Json, "callback_url", out var urlError);
        var name = OptionalString(body.Json, "name", out var nameError);
        if ((urlError ?? nameError) is { } typeError)
            return typeError;
        try
        {
            var registration = await service.RegisterFlowAsync(Viewer(user), callbackUrl, name, cancellationToken);
            // The platform keeps this address and sends DELETE to it when the flow's trigger is removed.
            var location = $"{BaseUrl(request)}/cas/api/v1/ms_flow/{registration.Playbook.Id}/";
            return TypedResults.Created(location, PlaybookJson.From(registration.Playbook));
        }
        catch (ValidationException e)
        {
            return Invalid(e);
        }
    }

    private static async Task<Results<Ok<object>, ProblemHttpResult>> UnregisterFlow(string id, ClaimsPrincipal user, PlaybookService service, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var playbookId))
            return ApiRequests.NotFound("flow", id);
        return await service.UnregisterFlowAsync(Viewer(user), playbookId, cancellationToken) switch
        {
            PlaybookOutcome.Done => TypedResults.Ok<object>(new { }),
            PlaybookOutcome.Forbidden => Forbidden("this flow"),
            _ => ApiRequests.NotFound("flow", id),
        };
    }

    private static async Task<Ok<PlaybooksEnvelope>> List(ClaimsPrincipal user, PlaybookService service, CancellationToken cancellationToken)
    {
        var rows = await service.ListAsync(Viewer(user), PlaybookScope.All, cancellationToken);
        return TypedResults.Ok(new PlaybooksEnvelope(rows.Select(PlaybookJson.From).ToList(), rows.Count));
    }

    public sealed record PlaybooksEnvelope([property: JsonPropertyName("data")] IReadOnlyList<PlaybookJson> Data, [property: JsonPropertyName("total")] int Total);

    private static async Task<Results<Created<CreatedPlaybookJson>, ValidationProblem, ProblemHttpResult>> Create(
        HttpRequest request, ClaimsPrincipal user, PlaybookService service, CancellationToken cancellationToken)
    {
        var body = await ApiRequests.ReadAsync(request, cancellationToken);
        if (body.Problem is { } problem)
            return problem;
        if (body.Json.ValueKind != JsonValueKind.Object)
            return ApiRequests.Invalid("body", """The body must be a JSON object such as {"name": "n8n", "url": "https://…"}.""");
        var draft = new WebhookPlaybookDraft();
        var errors = new Dictionary<string, string[]>();
        foreach (var property in body.Json.EnumerateObject())
        {
            if (property.Value.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
            {
                errors[property.Name] = [$"{property.Name} must be a string."];
                continue;
            }
            var value = property.Value.ValueKind == JsonValueKind.Null ? null : property.Value.GetString();
            switch (property.Name)
            {
                case "name": draft.Name = value ?? ""; break;
                case "url": draft.Url = value ?? ""; break;
                case "description": draft.Description = value; break;
                case "headerName": draft.HeaderName = value; break;
                case "headerValue": draft.HeaderValue = value; break;
                default: errors[property.Name] = [$"'{property.Name}' is not a playbook field; use name, url, description, headerName, headerValue."]; break;
            }
        }
        if (errors.Count > 0)
            return ApiRequests.Invalid(errors);
        try
        {
            var created = await service.CreateWebhookAsync(Viewer(user), draft, cancellationToken);
            var prefix = request.Path.StartsWithSegments("/cas") ? "/cas/api/v1" : "/api/v1";
            return TypedResults.Created($"{prefix}/playbooks/{created.Playbook.Id}/", new CreatedPlaybookJson(PlaybookJson.From(created.Playbook), created.SigningSecret));
        }
        catch (ValidationException e)
        {
            return Invalid(e);
        }
    }

    private static async Task<Results<Ok<object>, ProblemHttpResult>> Delete(string id, ClaimsPrincipal user, PlaybookService service, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var playbookId))
            return ApiRequests.NotFound("playbook", id);
        return await service.DeleteAsync(Viewer(user), playbookId, cancellationToken) switch
        {
            PlaybookOutcome.Done => TypedResults.Ok<object>(new { }),
            PlaybookOutcome.Forbidden => Forbidden("this playbook"),
            _ => ApiRequests.NotFound("playbook", id),
        };
    }

    private static ProblemHttpResult Forbidden(string what) =>
        ApiRequests.Problem(StatusCodes.Status403Forbidden, "Not allowed", $"You may use {what} but not change it; ask its owner for manage rights.");

    private static string? OptionalString(JsonElement body, string name, out ValidationProblem? error)
    {
        error = null;
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind == JsonValueKind.String)
            return value.GetString();
        error = ApiRequests.Invalid(name, $"{name} must be a string.");
        return null;
    }

    /// <summary>API field names as the caller wrote them (<c>callback_url</c>, <c>url</c>, <c>headerName</c>).</summary>
    private static ValidationProblem Invalid(ValidationException exception) =>
        ApiRequests.Invalid(exception.Errors
            .GroupBy(e => e.PropertyName.Length > 0 && char.IsUpper(e.PropertyName[0]) ? char.ToLowerInvariant(e.PropertyName[0]) + e.PropertyName[1..] : e.PropertyName)
            .ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).Distinct().ToArray()));

    /// <summary><c>Portal:BaseUrl</c> when set (behind a proxy), else the address the caller used.</summary>
    private static string BaseUrl(HttpRequest request) =>
        request.HttpContext.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Hosting.PortalOptions>>().Value.BaseUrl is { Length: > 0 } configured
            ? configured.TrimEnd('/')
            : $"{request.Scheme}://{request.Host}{request.PathBase}";
}
