using System.Text.Json;
using System.Text.Json.Serialization;
using AdminPortal.Core.Features.Alerts;
using AdminPortal.Core.Features.Activities;
using AdminPortal.Core.Filters;
using AdminPortal.Web.Api;
using AdminPortal.Web.Features.Alerts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace AdminPortal.Web.Features.Activities;

/// <summary><c>POST /activities/</c> (list, MCAS filters) and <c>POST /activities/ingest/</c> (batches of activities).</summary>
public static class ActivitiesApi
{
    public sealed record IngestResponse(
        [property: JsonPropertyName("accepted")] int Accepted,
        [property: JsonPropertyName("rejected")] IReadOnlyList<IngestRejection> Rejected,
        [property: JsonPropertyName("alertsCreated")] int AlertsCreated,
        [property: JsonPropertyName("alertsSuppressed")] int AlertsSuppressed);

    public static RouteGroupBuilder MapActivitiesApi(this RouteGroupBuilder api)
    {
        var activities = api.MapGroup("/activities").WithTags("Activities");
        activities.MapGet("/", List).RequireAuthorization(ApiPolicies.Reader).WithSummary("List activities");
        activities.MapPost("/", List).RequireAuthorization(ApiPolicies.Reader).WithSummary("List activities (filters in the body)");
        activities.MapGet("/{id}/", Get).RequireAuthorization(ApiPolicies.Reader).WithSummary("Fetch an activity");
        activities.MapPost("/ingest/", Ingest).RequireAuthorization(ApiPolicies.Operator)
            .WithSummary("Ingest a JSON array of activities; valid items are stored and evaluated even when others are rejected");
        return api;
    }

    private static async Task<Results<Ok<ListEnvelope<ActivityJson>>, ValidationProblem, ProblemHttpResult>> List(
        HttpRequest request, ActivityService service, CancellationToken cancellationToken)
    {
        var body = await ApiRequests.ReadAsync(request, cancellationToken);
        if (body.Problem is { } problem)
            return problem;
        var parsed = ListRequestParser.Parse(body.Json, body.Values, ActivityQueries.Schema);
        if (parsed.Request is not { } list)
            return ApiRequests.Invalid(parsed.Errors);
        var page = await service.ListAsync(list, cancellationToken);
        return TypedResults.Ok(new ListEnvelope<ActivityJson>(page.Items.Select(ActivityJson.From).ToList(), page.HasNext, list.Limit, page.Total, page.MoreThanTotal));
    }

    private static async Task<Results<Ok<ActivityJson>, ProblemHttpResult>> Get(string id, ActivityService service, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var guid))
            return ApiRequests.NotFound("activity", id);
        var page = await service.ListAsync(new ListRequest([new FilterClause(ActivityQueries.Id, FilterOperator.Eq, [guid.ToString()])], 0, 1,
            new SortOrder(ActivityQueries.SortByDate, true)), cancellationToken);
        return page.Items.Count == 1 ? TypedResults.Ok(ActivityJson.From(page.Items[0])) : ApiRequests.NotFound("activity", id);
    }

    private static async Task<Results<Ok<IngestResponse>, ValidationProblem, ProblemHttpResult>> Ingest(
        HttpRequest request, ActivityIngestService ingest, IOptions<IngestOptions> options, CancellationToken cancellationToken)
    {
        var body = await ApiRequests.ReadAsync(request, cancellationToken);
        if (body.Problem is { } problem)
            return problem;
        if (body.Json.ValueKind != JsonValueKind.Array)
            return ApiRequests.Invalid("body", "The body must be a JSON array of activities: [{\"timestamp\": …, \"app\": …, \"activityType\": …, \"user\": …}, …].");
        var count = body.Json.GetArrayLength();
        var max = options.Value.MaxBatchSize;
        if (count > max)
            return ApiRequests.Invalid("body", $"The array has {count:N0} activities; at most {max:N0} are taken per call (Ingest:MaxBatchSize).");

        var result = await ingest.IngestAsync(body.Json.EnumerateArray().ToList(), cancellationToken);
        return TypedResults.Ok(new IngestResponse(result.Accepted, result.Rejected, result.AlertsCreated, result.AlertsSuppressed));
    }
}

/// <summary>An activity: <c>_id</c>, times in epoch milliseconds, the ingest field names, and the original item under <c>raw</c>.</summary>
public sealed record ActivityJson(
    [property: JsonPropertyName("_id")] string Id,
    [property: JsonPropertyName("timestamp")] long Timestamp,
    [property: JsonPropertyName("app")] string App,
    [property: JsonPropertyName("activityType")] string ActivityType,
    [property: JsonPropertyName("user")] string User,
    [property: JsonPropertyName("ipAddress")] string? IpAddress,
    [property: JsonPropertyName("country")] string? Country,
    [property: JsonPropertyName("device")] string? Device,
    [property: JsonPropertyName("objectName")] string? ObjectName,
    [property: JsonPropertyName("objectId")] string? ObjectId,
    [property: JsonPropertyName("targetUser")] string? TargetUser,
    [property: JsonPropertyName("ingestedAt")] long IngestedAt,
    [property: JsonPropertyName("raw")] JsonElement Raw)
{
    public static ActivityJson From(Activity a) => new(a.Id.ToString(), a.Timestamp.ToUnixTimeMilliseconds(), a.App, a.ActivityType, a.User,
        a.IpAddress, a.Country, a.Device, a.ObjectName, a.ObjectId, a.TargetUser, a.IngestedAt.ToUnixTimeMilliseconds(), ParseRaw(a.Raw));

    private static JsonElement ParseRaw(string raw)
    {
        try
        {
            return JsonDocument.Parse(raw).RootElement.Clone();
        }
        catch (JsonException)
        {
            return JsonDocument.Parse("{}").RootElement.Clone();
        }
    }
}
