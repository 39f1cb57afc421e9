using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Serialization;
using AdminPortal.Core.Features.Alerts;
using AdminPortal.Core.Features.Dispatch;
using AdminPortal.Web.Api;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AdminPortal.Web.Features.Playbooks;

/// <summary>One try of a delivery: when, how long, the answer (status, error, the first 4 KB of the body, masked).</summary>
public sealed record DeliveryAttemptJson(
    [property: JsonPropertyName("startedAt")] DateTimeOffset StartedAt,
    [property: JsonPropertyName("durationMs")] int DurationMs,
    [property: JsonPropertyName("statusCode")] int? StatusCode,
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("responseBody")] string? ResponseBody);

/// <summary>
/// A delivery in API answers. <c>attempts</c> is the number of tries, replays included; <c>attemptLog</c> lists them,
/// oldest first; <c>alertId</c> is null for a test alert; <c>nextAttemptAt</c> is set only while it waits to be sent.
/// </summary>
public sealed record DeliveryJson(
    [property: JsonPropertyName("id")] Guid Id,
    [property: JsonPropertyName("alertId")] string? AlertId,
    [property: JsonPropertyName("playbookId")] Guid PlaybookId,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("attempts")] int Attempts,
    [property: JsonPropertyName("lastStatusCode")] int? LastStatusCode,
    [property: JsonPropertyName("lastError")] string? LastError,
    [property: JsonPropertyName("nextAttemptAt")] DateTimeOffset? NextAttemptAt,
    [property: JsonPropertyName("createdAt")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("completedAt")] DateTimeOffset? CompletedAt,
    [property: JsonPropertyName("attemptLog")] IReadOnlyList<DeliveryAttemptJson> AttemptLog)
{
    public static DeliveryJson From(DeliveryRow row) => new(
        row.Id, row.AlertId, row.PlaybookId, row.State.ToString(), row.Attempts, row.LastStatusCode, row.LastError, row.NextAttemptAt,
        row.CreatedAt, row.CompletedAt,
        row.AttemptLog.Select(a => new DeliveryAttemptJson(a.StartedAt, a.DurationMs, a.StatusCode, a.Error, a.ResponseBody)).ToList());
}

/// <summary>How many dead-lettered deliveries a range replay put back in the queue.</summary>
public sealed record ReplayRangeJson([property: JsonPropertyName("requeued")] int Requeued);

/// <summary>
/// The delivery log of a playbook and replays (DESIGN §4, §5): list a playbook's deliveries, replay one delivery
/// (same id, so the same <c>webhook-id</c>), or replay a playbook's dead letters created in a time range.
/// </summary>
public static class DeliveriesApi
{
    public const int DefaultLimit = 20;
    private static readonly HashSet<string> RangeFields = ["from", "to"];

    public static RouteGroupBuilder MapDeliveriesApi(this RouteGroupBuilder api)
    {
        var playbooks = api.MapGroup("/playbooks").WithTags("Playbooks");
        playbooks.MapGet("/{id}/deliveries/", List).RequireAuthorization(ApiPolicies.Reader)
            .WithSummary("A playbook's deliveries, newest first, with their attempts (skip, limit ≤ 100, state)");
        playbooks.MapPost("/{id}/deliveries/replay/", ReplayRange).RequireAuthorization(ApiPolicies.Operator)
            .WithSummary("Replay the playbook's dead-lettered deliveries created in a time range: {\"from\": ISO 8601, \"to\": ISO 8601}");

        var deliveries = api.MapGroup("/deliveries").WithTags("Playbooks");
        deliveries.MapPost("/{id}/replay/", Replay).RequireAuthorization(ApiPolicies.Operator)
            .WithSummary("Send a dead-lettered (or delivered) delivery again, with the same webhook-id");
        return api;
    }

    private static async Task<Results<Ok<ListEnvelope<DeliveryJson>>, ValidationProblem, ProblemHttpResult>> List(
        string id, HttpRequest request, ClaimsPrincipal user, DeliveryService service, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var playbookId))
            return ApiRequests.NotFound("playbook", id);
        var errors = new Dictionary<string, string[]>();
        var skip = ReadInt(request, "skip", 0, 0, int.MaxValue, errors);
        var limit = ReadInt(request, "limit", DefaultLimit, 1, DeliveryService.MaxLimit, errors);
        DeliveryState? state = null;
        if (request.Query.TryGetValue("state", out var stateText) && !string.IsNullOrWhiteSpace(stateText))
        {
            if (Enum.TryParse<DeliveryState>(stateText.ToString().Trim(), ignoreCase: true, out var parsed) && Enum.IsDefined(parsed)
                && !int.TryParse(stateText.ToString(), out _))
                state = parsed;
            else
                errors["state"] = [$"state must be one of {string.Join(", ", Enum.GetNames<DeliveryState>())}."];
        }
        if (errors.Count > 0)
            return ApiRequests.Invalid(errors);

        var page = await service.ListAsync(PlaybooksApi.Viewer(user), playbookId, skip, limit, state, cancellationToken);
        if (page is null)
            return ApiRequests.NotFound("playbook", id);
        return TypedResults.Ok(new ListEnvelope<DeliveryJson>(page.Items.Select(DeliveryJson.From).ToList(), page.HasNext, limit, page.Total, false));
    }

    private static async Task<Results<Ok<DeliveryJson>, ProblemHttpResult>> Replay(
        string id, ClaimsPrincipal user, DeliveryService service, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var deliveryId))
            return ApiRequests.NotFound("delivery", id);
        var result = await service.ReplayAsync(PlaybooksApi.Viewer(user), deliveryId, cancellationToken);
        return result.Outcome switch
        {
            ReplayOutcome.Done when result.Delivery is { } delivery => TypedResults.Ok(DeliveryJson.From(delivery)),
            ReplayOutcome.Forbidden => ApiRequests.Problem(StatusCodes.Status403Forbidden, "Not allowed",
                "You may see this playbook's deliveries but not replay them; ask its owner for manage rights."),
            ReplayOutcome.Conflict => ApiRequests.Problem(StatusCodes.Status409Conflict, "Not finished",
                "This delivery is still queued or being sent; only a dead-lettered, delivered or cancelled delivery can be replayed."),
            _ => ApiRequests.NotFound("delivery", id),
        };
    }

    private static async Task<Results<Ok<ReplayRangeJson>, ValidationProblem, ProblemHttpResult>> ReplayRange(
        string id, HttpRequest request, ClaimsPrincipal user, DeliveryService service, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var playbookId))
            return ApiRequests.NotFound("playbook", id);
        var body = await ApiRequests.ReadAsync(request, cancellationToken);
        if (body.Problem is { } problem)
            return problem;
        if (body.HasJson && body.Json.ValueKind != JsonValueKind.Object)
            return ApiRequests.Invalid("body", """The body must be a JSON object such as {"from": "2026-11-27T00:00:00Z", "to": "2026-11-28T00:00:00Z"}.""");

        var errors = new Dictionary<string, string[]>();
        if (body.HasJson)
            foreach (var property in body.Json.EnumerateObject().Where(p => !RangeFields.Contains(p.Name)))
                errors[property.Name] = [$"'{property.Name}' is not a field of this call; use from, to."];
        var from = ReadTime(body, "from", errors);
        var to = ReadTime(body, "to", errors);
        if (from is { } start && to is { } end && end <= start)
            errors["to"] = ["to must be later than from."];
        if (errors.Count > 0)
            return ApiRequests.Invalid(errors);

        try
        {
            var (outcome, requeued) = await service.ReplayDeadLetteredAsync(PlaybooksApi.Viewer(user), playbookId, from!.Value, to!.Value, cancellationToken);
            return outcome switch
            {
                ReplayOutcome.Done => TypedResults.Ok(new ReplayRangeJson(requeued)),
                ReplayOutcome.Forbidden => ApiRequests.Problem(StatusCodes.Status403Forbidden, "Not allowed",
                    "You may see this playbook's deliveries but not replay them; ask its owner for manage rights."),
                _ => ApiRequests.NotFound("playbook", id),
            };
        }
        catch (ValidationException e)
        {
            return ApiRequests.Invalid(e.Errors.GroupBy(f => f.PropertyName).ToDictionary(g => g.Key, g => g.Select(f => f.ErrorMessage).ToArray()));
        }
    }

    private static int ReadInt(HttpRequest request, string name, int fallback, int min, int max, Dictionary<string, string[]> errors)
    {
        if (!request.Query.TryGetValue(name, out var text) || string.IsNullOrWhiteSpace(text))
            return fallback;
        if (int.TryParse(text.ToString().Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
            return value;
        errors[name] = [max == int.MaxValue ? $"{name} must be a whole number of at least {min}." : $"{name} must be a whole number from {min} to {max}."];
        return fallback;
    }

    /// <summary>An ISO 8601 time from the JSON body (or a query or form value); without an offset it is UTC.</summary>
    private static DateTimeOffset? ReadTime(ApiBody body, string name, Dictionary<string, string[]> errors)
    {
        string? text = null;
        if (body.HasJson && body.Json.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null)
        {
            if (value.ValueKind != JsonValueKind.String)
            {
                errors[name] = [$"{name} must be an ISO 8601 time as a string, such as \"2026-11-27T09:00:00Z\"."];
                return null;
            }
            text = value.GetString();
        }
        else if (!body.HasJson && body.Values.TryGetValue(name, out var raw))
            text = raw;

        if (string.IsNullOrWhiteSpace(text))
        {
            errors[name] = [$"{name} is required: an ISO 8601 time such as \"2026-11-27T09:00:00Z\"."];
            return null;
        }
        if (DateTimeOffset.TryParseExact(text.Trim(), IsoFormats, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
            return time;
        errors[name] = [$"{name} is not an ISO 8601 time; write it like \"2026-11-27T09:00:00Z\"."];
        return null;
    }

    private static readonly string[] IsoFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd",
    ];
}
