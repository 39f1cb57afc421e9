using System.Text.Json.Serialization;
using AdminPortal.Core.Features.Policies;

namespace AdminPortal.Core.Features.Alerts;

/// <summary>An alert with the field names and numeric enums of the MCAS alerts API (reference §3).</summary>
public sealed record AlertJson(
    [property: JsonPropertyName("_id")] string Id,
    [property: JsonPropertyName("timestamp")] long Timestamp,
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("description")] string Description,
    [property: JsonPropertyName("isMarkdown")] bool IsMarkdown,
    [property: JsonPropertyName("statusValue")] int StatusValue,
    [property: JsonPropertyName("severityValue")] int SeverityValue,
    [property: JsonPropertyName("resolutionStatusValue")] int ResolutionStatusValue,
    [property: JsonPropertyName("resolutionReasonId")] int? ResolutionReasonId,
    [property: JsonPropertyName("stories")] int[] Stories,
    [property: JsonPropertyName("entities")] IReadOnlyList<AlertEntityJson> Entities,
    [property: JsonPropertyName("evidence")] IReadOnlyList<string> Evidence,
    [property: JsonPropertyName("intent")] string[] Intent,
    [property: JsonPropertyName("comment")] string? Comment,
    [property: JsonPropertyName("handledByUser")] string? HandledByUser,
    [property: JsonPropertyName("resolveTime")] string? ResolveTime,
    [property: JsonPropertyName("policyId")] string PolicyId,
    [property: JsonPropertyName("correlationKey")] string CorrelationKey,
    [property: JsonPropertyName("URL")] string Url)
{
    public static AlertJson From(AlertListItem item, string baseUrl)
    {
        var alert = item.Alert;
        return new AlertJson(
            alert.Id,
            alert.CreatedAt.ToUnixTimeMilliseconds(),
            alert.Title,
            alert.Description,
            false,
            (int)alert.ReadStatus,
            (int)alert.Severity,
            (int)alert.ResolutionStatus,
            alert.ResolutionReasonId,
            [(int)alert.Category],
            alert.Entities.Select(e => AlertEntityJson.From(e, item.PolicyType)).ToList(),
            alert.Evidence,
            [],
            alert.ResolutionComment,
            alert.HandledBy,
            alert.ClosedAt?.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffZ"),
            alert.PolicyId,
            alert.CorrelationKey,
            $"{baseUrl}/alerts/{alert.Id}");
    }
}

/// <summary>An alert entity: <c>type</c> account / ip / service / file / country / policyRule; <c>pa</c> is the UPN of an account.</summary>
public sealed record AlertEntityJson(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("entityRole"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? EntityRole,
    [property: JsonPropertyName("pa"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Pa,
    [property: JsonPropertyName("policyType"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? PolicyType)
{
    public static AlertEntityJson From(AlertEntity entity, PolicyType policyType) => new(
        entity.Type switch
        {
            AlertEntityType.Account => "account",
            AlertEntityType.Ip => "ip",
            AlertEntityType.Service => "service",
            AlertEntityType.File => "file",
            AlertEntityType.Country => "country",
            _ => "policyRule",
        },
        entity.Value,
        entity.Label ?? entity.Value,
        entity.Role,
        entity.Type == AlertEntityType.Account ? entity.Value : null,
        entity.Type == AlertEntityType.PolicyRule ? Policy.ApiTypeName(policyType) : null);
}

/// <summary>The list envelope of every MCAS list call.</summary>
public sealed record ListEnvelope<T>(
    [property: JsonPropertyName("data")] IReadOnlyList<T> Data,
    [property: JsonPropertyName("hasNext")] bool HasNext,
    [property: JsonPropertyName("max")] int Max,
    [property: JsonPropertyName("total")] int Total,
    [property: JsonPropertyName("moreThanTotal")] bool MoreThanTotal);
