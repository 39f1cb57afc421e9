using System.Security.Claims;
using System.Text.Json;
using AdminPortal.Core.Features.Alerts;
using AdminPortal.Core.Filters;
using AdminPortal.Web.Api;
using AdminPortal.Web.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AdminPortal.Web.Features.Alerts;

/// <summary>The MCAS alerts API (reference mcas-api.md §2–4): list, fetch, read/unread, close.</summary>
public static class AlertsApi
{
    public static RouteGroupBuilder MapAlertsApi(this RouteGroupBuilder api)
    {
        var alerts = api.MapGroup("/alerts").WithTags("Alerts");
        alerts.MapGet("/", List).RequireAuthorization(ApiPolicies.Reader).WithSummary("List alerts (filters, skip, limit, sortField, sortDirection)");
        alerts.MapPost("/", List).RequireAuthorization(ApiPolicies.Reader).WithSummary("List alerts (filters in the body)");
        alerts.MapGet("/{id}/", Get).RequireAuthorization(ApiPolicies.Reader).WithSummary("Fetch an alert");
        alerts.MapPost("/{id}/read/", (string id, ClaimsPrincipal user, AlertService service, PortalUrls urls, CancellationToken ct) => SetRead(id, true, user, service, urls, ct))
            .RequireAuthorization(ApiPolicies.Operator).WithSummary("Mark an alert read");
        alerts.MapPost("/{id}/unread/", (string id, ClaimsPrincipal user, AlertService service, PortalUrls urls, CancellationToken ct) => SetRead(id, false, user, service, urls, ct))
            .RequireAuthorization(ApiPolicies.Operator).WithSummary("Mark an alert unread");
        alerts.MapPost("/close_benign/", (HttpRequest request, ClaimsPrincipal user, AlertService service, CancellationToken ct) =>
            Close(request, AlertClosing.Benign, "closed_benign", user, service, ct)).RequireAuthorization(ApiPolicies.Operator).WithSummary("Close alerts as benign");
        alerts.MapPost("/close_false_positive/", (HttpRequest request, ClaimsPrincipal user, AlertService service, CancellationToken ct) =>
            Close(request, AlertClosing.FalsePositive, "closed_false_positive", user, service, ct)).RequireAuthorization(ApiPolicies.Operator).WithSummary("Close alerts as false positive");
        alerts.MapPost("/close_true_positive/", (HttpRequest request, ClaimsPrincipal user, AlertService service, CancellationToken ct) =>
            Close(request, AlertClosing.TruePositive, "closed_true_positive", user, service, ct)).RequireAuthorization(ApiPolicies.Operator).WithSummary("Close alerts as true positive");
        alerts.MapPost("/dismiss_bulk/", (HttpRequest request, ClaimsPrincipal user, AlertService service, CancellationToken ct) =>
            Close(request, AlertClosing.FalsePositive, "dismissed", user, service, ct)).RequireAuthorization(ApiPolicies.Operator).WithSummary("Legacy: dismiss alerts (closes as false positive)");
        alerts.MapPost("/resolve/", (HttpRequest request, ClaimsPrincipal user, AlertService service, CancellationToken ct) =>
            Close(request, AlertClosing.TruePositive, "resolved", user, service, ct)).RequireAuthorization(ApiPolicies.Operator).WithSummary("Legacy: resolve alerts (closes as true positive)");
        alerts.MapPost("/{id}/dismiss/", DismissOne).RequireAuthorization(ApiPolicies.Operator).WithSummary("Legacy: dismiss one alert");
        return api;
    }

    private static async Task<Results<Ok<ListEnvelope<AlertJson>>, ValidationProblem, ProblemHttpResult>> List(
        HttpRequest request, AlertService service, PortalUrls urls, TimeProvider time, CancellationToken cancellationToken)
    {
        var body = await ApiRequests.ReadAsync(request, cancellationToken);
        if (body.Problem is { } problem)
            return problem;
        var json = body.Json;
        // GET callers may send the filters as a query value: ?filters={"severity":{"eq":2}}
        if (!body.HasJson && body.Values.TryGetValue("filters", out var filtersText))
        {
            try
            {
                json = JsonDocument.Parse($"{{\"filters\":{filtersText}}}").RootElement.Clone();
            }
            catch (JsonException)
            {
                return ApiRequests.Invalid("filters", "The filters query value is not valid JSON.");
            }
        }
        var parsed = ListRequestParser.Parse(json, body.Values.Where(v => v.Key != "filters").ToDictionary(), AlertQueries.Schema);
        if (parsed.Request is not { } list)
            return ApiRequests.Invalid(parsed.Errors);

        var page = await service.ListAsync(list, cancellationToken);
        var baseUrl = urls.BaseUrl;
        return TypedResults.Ok(new ListEnvelope<AlertJson>(page.Items.Select(i => AlertJson.From(i, baseUrl)).ToList(),
            page.HasNext, list.Limit, page.Total, page.MoreThanTotal));
    }

    private static async Task<Results<Ok<AlertJson>, ProblemHttpResult>> Get(string id, AlertService service, PortalUrls urls, CancellationToken cancellationToken) =>
        await service.GetAsync(id.ToLowerInvariant(), cancellationToken) is { } alert
            ? TypedResults.Ok(AlertJson.From(alert, urls.BaseUrl))
            : ApiRequests.NotFound("alert", id);

    private static async Task<Results<Ok<AlertJson>, ProblemHttpResult>> SetRead(string id, bool read, ClaimsPrincipal user, AlertService service,
        PortalUrls urls, CancellationToken cancellationToken)
    {
        id = id.ToLowerInvariant();
        if (!await service.SetReadAsync(id, read, user.Identity!.Name!, cancellationToken))
            return ApiRequests.NotFound("alert", id);
        return TypedResults.Ok(AlertJson.From((await service.GetAsync(id, cancellationToken))!, urls.BaseUrl));
    }

    private static readonly HashSet<string> CloseFields = ["filters", "comment", "reasonId", "sendFeedback", "feedbackText", "allowContact", "contactEmail"];

    /// <summary>The close calls: <c>{filters, comment, reasonId, …}</c> → <c>{"closed_benign": n, "alertsNotFound": [...]}</c>.</summary>
    private static async Task<Results<Ok<Dictionary<string, object>>, ValidationProblem, ProblemHttpResult>> Close(
        HttpRequest request, AlertClosing closing, string countName, ClaimsPrincipal user, AlertService service, CancellationToken cancellationToken)
    {
        var body = await ApiRequests.ReadAsync(request, cancellationToken);
        if (body.Problem is { } problem)
            return problem;
        if (body.Json.ValueKind != JsonValueKind.Object)
            return ApiRequests.Invalid("body", "The body must be a JSON object with filters (and optionally comment, reasonId).");

        var errors = new Dictionary<string, List<string>>();
        foreach (var property in body.Json.EnumerateObject().Where(p => !CloseFields.Contains(p.Name)))
            errors[property.Name] = [$"'{property.Name}' is not a field of this call; use {string.Join(", ", CloseFields)}."];
        IReadOnlyList<FilterClause> filters = [];
        if (!body.Json.TryGetProperty("filters", out var filtersElement) || filtersElement.ValueKind == JsonValueKind.Null)
            errors["filters"] = ["filters is required: name the alerts to close, e.g. {\"id\": {\"eq\": [\"<alert id>\"]}}."];
        else
        {
            filters = ListRequestParser.ParseFilters(filtersElement, AlertQueries.Schema, errors);
            if (filters.Count == 0 && !errors.Keys.Any(k => k.StartsWith("filters", StringComparison.Ordinal)))
                errors["filters"] = ["filters is empty: name the alerts to close; closing every alert is never done by accident."];
        }
        var comment = ReadOptionalString(body.Json, "comment", AlertService.MaxCommentLength, errors);
        int? reasonId = null;
        if (body.Json.TryGetProperty("reasonId", out var reason) && reason.ValueKind != JsonValueKind.Null)
        {
            var valid = AlertService.Reasons[closing];
            if (closing == AlertClosing.TruePositive)
                errors["reasonId"] = ["Closing as true positive takes no reasonId."];
            else if (reason.ValueKind != JsonValueKind.Number || !reason.TryGetInt32(out var number) || !valid.ContainsKey(number))
                errors["reasonId"] = [$"reasonId must be one of {string.Join(", ", valid.Select(r => $"{r.Key} ({r.Value})"))}."];
            else
                reasonId = number;
        }
        if (errors.Count > 0)
            return ApiRequests.Invalid(errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));

        try
        {
            var result = await service.CloseAsync(filters, closing, reasonId, comment, user.Identity!.Name!, cancellationToken);
            var answer = new Dictionary<string, object> { [countName] = result.Closed };
            if (result.AlertsNotFound.Count > 0)
                answer["alertsNotFound"] = result.AlertsNotFound;
            return TypedResults.Ok(answer);
        }
        catch (ArgumentOutOfRangeException e) when (e.ParamName == "filters")
        {
            return ApiRequests.Invalid("filters", e.Message[..e.Message.IndexOf(" (Parameter", StringComparison.Ordinal)]);
        }
    }

    private static async Task<Results<Ok<Dictionary<string, object>>, ValidationProblem, ProblemHttpResult>> DismissOne(
        string id, HttpRequest request, ClaimsPrincipal user, AlertService service, CancellationToken cancellationToken)
    {
        var body = await ApiRequests.ReadAsync(request, cancellationToken);
        if (body.Problem is { } problem)
            return problem;
        var errors = new Dictionary<string, List<string>>();
        string? comment = null;
        if (body.HasJson && body.Json.ValueKind != JsonValueKind.Object)
            errors["body"] = ["The body must be a JSON object such as {\"comment\": \"…\"}, or empty."];
        else if (body.HasJson)
        {
            foreach (var property in body.Json.EnumerateObject().Where(p => p.Name != "comment"))
                errors[property.Name] = [$"'{property.Name}' is not a field of this call; use comment."];
            comment = ReadOptionalString(body.Json, "comment", AlertService.MaxCommentLength, errors);
        }
        if (errors.Count > 0)
            return ApiRequests.Invalid(errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
        var result = await service.CloseAsync([new FilterClause(AlertQueries.Id, FilterOperator.Eq, [id])], AlertClosing.FalsePositive, null, comment,
            user.Identity!.Name!, cancellationToken);
        return result.AlertsNotFound.Count > 0 ? ApiRequests.NotFound("alert", id) : TypedResults.Ok(new Dictionary<string, object> { ["dismissed"] = result.Closed });
    }

    private static string? ReadOptionalString(JsonElement body, string name, int maxLength, Dictionary<string, List<string>> errors)
    {
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind != JsonValueKind.String)
        {
            errors[name] = [$"{name} must be a string."];
            return null;
        }
        var text = value.GetString()!;
        if (text.Length > maxLength)
            errors[name] = [$"{name} can have at most {maxLength} characters."];
        return text;
    }
}
