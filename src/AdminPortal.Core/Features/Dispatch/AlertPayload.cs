using System.Text.Json;
using System.Text.Json.Serialization;
using AdminPortal.Core.Features.Alerts;
using AdminPortal.Core.Features.Policies;

namespace AdminPortal.Core.Features.Dispatch;

/// <summary>
/// What a playbook receives: the field names of the MCAS connector's "When an alert is generated" trigger
/// (reference/mcas-api.md §5), so flows written for MCAS keep working, plus <c>AlertUrl</c> and the whole alert
/// in the alerts API's shape under <c>Alert</c>. Fixed when the alert is raised; retries send the same bytes.
/// </summary>
public sealed record AlertPayload(
    string Version, string VendorName, string ProviderName, string AlertType, DateTimeOffset StartTimeUtc, DateTimeOffset EndTimeUtc,
    DateTimeOffset TimeGenerated, string Severity, string ProviderAlertId, string ProviderPolicyId, string CorrelationKey,
    string AzureResourceId, string CompromisedEntity, string AlertDisplayName, string Description, IReadOnlyList<string> RemediationSteps,
    IReadOnlyDictionary<string, string> Metadata,
    [property: JsonPropertyName("ExtendedProperties")] IReadOnlyDictionary<string, string> ExtendedProperties,
    IReadOnlyList<PayloadEntity> Entities, IReadOnlyList<PayloadLink> ExtendedLinks, string AlertUrl, AlertJson Alert)
{
    public const string Vendor = "AdminPortal";

    /// <summary>Property names exactly as written above (PascalCase), UTC times in ISO 8601.</summary>
    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    /// <param name="first">Time of the earliest evidence activity.</param>
    /// <param name="last">Time of the latest evidence activity.</param>
    public static AlertPayload From(Alert alert, string policyName, PolicyType policyType, DateTimeOffset first, DateTimeOffset last, string baseUrl)
    {
        var alertUrl = $"{baseUrl}/alerts/{alert.Id}";
        string Join(AlertEntityType type) => string.Join(", ", alert.Entities.Where(e => e.Type == type).Select(e => e.Value));
        return new AlertPayload(
            Version: "3.0",
            VendorName: Vendor,
            ProviderName: Vendor,
            AlertType: Policy.ApiTypeName(policyType),
            StartTimeUtc: first.ToUniversalTime(),
            EndTimeUtc: last.ToUniversalTime(),
            TimeGenerated: alert.CreatedAt.ToUniversalTime(),
            Severity: alert.Severity.ToString(),
            ProviderAlertId: alert.Id,
            ProviderPolicyId: alert.PolicyId,
            CorrelationKey: alert.CorrelationKey,
            AzureResourceId: "",
            CompromisedEntity: alert.MainEntity ?? "",
            AlertDisplayName: alert.Title,
            Description: alert.Description,
            RemediationSteps: [$"Review the alert in AdminPortal: {alertUrl}"],
            Metadata: new Dictionary<string, string> { ["PolicyName"] = policyName, ["Category"] = alert.Category.ToString() },
            ExtendedProperties: new Dictionary<string, string>
            {
                ["IP Addresses"] = Join(AlertEntityType.Ip),
                ["Cloud Applications"] = Join(AlertEntityType.Service),
                ["Countries"] = Join(AlertEntityType.Country),
            },
            Entities: alert.Entities.Select(PayloadEntity.From).OfType<PayloadEntity>().ToList(),
            ExtendedLinks: [new PayloadLink("webLink", "Alert", "Open the alert in AdminPortal", alertUrl)],
            AlertUrl: alertUrl,
            Alert: AlertJson.From(new AlertListItem(alert, policyName, policyType), baseUrl));
    }

    public string Serialize() => JsonSerializer.Serialize(this, Json);
}

/// <summary>An entity in the trigger's shape: accounts with their UPN suffix, IP addresses.</summary>
public sealed record PayloadEntity(string Type, string? Name, string? AadTenantId, string? AadUserId, string? UPNSuffix, string? Address,
    string? ResourceId, IReadOnlyList<string>? Domains)
{
    public static PayloadEntity? From(AlertEntity entity) => entity.Type switch
    {
        AlertEntityType.Account when entity.Value.Split('@') is [var name, var suffix] =>
            new PayloadEntity("account", name, null, null, suffix, null, null, null),
        AlertEntityType.Account => new PayloadEntity("account", entity.Value, null, null, null, null, null, null),
        AlertEntityType.Ip => new PayloadEntity("ip", null, null, null, null, entity.Value, null, null),
        AlertEntityType.Service => new PayloadEntity("cloud-application", entity.Value, null, null, null, null, null, null),
        AlertEntityType.File => new PayloadEntity("file", entity.Label ?? entity.Value, null, null, null, null, entity.Value, null),
        _ => null,
    };
}

public sealed record PayloadLink(string Type, string Category, string Label, string Href);
