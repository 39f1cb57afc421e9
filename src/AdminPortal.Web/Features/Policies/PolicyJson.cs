using System.Text.Json;
using System.Text.Json.Serialization;
using AdminPortal.Core;
using AdminPortal.Core.Features.Alerts;
using AdminPortal.Core.Features.Policies;

namespace AdminPortal.Web.Features.Policies;

/// <summary>
/// A policy in the API. The connector's "get policy" reads <c>name</c>, <c>description</c>, <c>policyType</c>,
/// <c>alertDailyLimit</c> and <c>lastModified</c>; the rest is what creating and updating a policy takes.
/// </summary>
public sealed record PolicyJson(
    [property: JsonPropertyName("_id")] string Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("description")] string Description,
    [property: JsonPropertyName("policyType")] string PolicyType,
    [property: JsonPropertyName("category")] string Category,
    [property: JsonPropertyName("severity")] int Severity,
    [property: JsonPropertyName("enabled")] bool Enabled,
    [property: JsonPropertyName("alertDailyLimit")] int AlertDailyLimit,
    [property: JsonPropertyName("lastModified")] long LastModified,
    [property: JsonPropertyName("modifiedBy")] string ModifiedBy,
    [property: JsonPropertyName("createdAt")] long CreatedAt,
    [property: JsonPropertyName("conditions")] IReadOnlyList<ConditionJson> Conditions,
    [property: JsonPropertyName("threshold")] ThresholdJson? Threshold,
    [property: JsonPropertyName("alertSettings")] AlertSettingsJson AlertSettings,
    [property: JsonPropertyName("templateId")] string? TemplateId,
    [property: JsonPropertyName("version")] Guid Version)
{
    public static PolicyJson From(Policy p) => new(
        p.Id, p.Name, p.Description, TypeName(p.Type), p.Category.ToString(), (int)p.Severity, p.IsEnabled, p.AlertSettings.DailyAlertLimit,
        p.ModifiedAt.ToUnixTimeMilliseconds(), p.ModifiedBy, p.CreatedAt.ToUnixTimeMilliseconds(),
        p.Conditions.Select(c => new ConditionJson(c.Field, OperatorName(c.Operator), c.Values)).ToList(),
        p.Threshold is { } t ? new ThresholdJson(t.Count, t.WindowMinutes) : null,
        new AlertSettingsJson(p.AlertSettings.CreateAlertForEachMatch, p.AlertSettings.DailyAlertLimit, p.AlertSettings.SendEmail,
            p.AlertSettings.EmailRecipients, p.Playbooks.Select(l => l.PlaybookId).ToList()),
        p.TemplateId, p.Version);

    /// <summary>MCAS spells policy types in upper snake case.</summary>
    public static string TypeName(PolicyType type) => Policy.ApiTypeName(type);

    public static string OperatorName(ConditionOperator op) => JsonNamingPolicy.CamelCase.ConvertName(op.ToString());

    public static bool TryParseType(string text, out PolicyType type)
    {
        foreach (var candidate in Enum.GetValues<PolicyType>())
        {
            if (string.Equals(TypeName(candidate), text, StringComparison.OrdinalIgnoreCase) || string.Equals(candidate.ToString(), text, StringComparison.OrdinalIgnoreCase))
            {
                type = candidate;
                return true;
            }
        }
        type = default;
        return false;
    }

    /// <summary>
    /// Overlays the fields present in <paramref name="body"/> on <paramref name="draft"/> (absent fields keep their
    /// value, so PUT can change one thing). Wrong JSON types are reported per field in <paramref name="errors"/>.
    /// </summary>
    public static void ApplyTo(JsonElement body, PolicyDraft draft, Dictionary<string, List<string>> errors)
    {
        void Error(string field, string message) => (errors.TryGetValue(field, out var list) ? list : errors[field] = []).Add(message);

        foreach (var property in body.EnumerateObject())
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "name": if (String(value, "name") is { } name) draft.Name = name; break;
                case "description": if (String(value, "description") is { } description) draft.Description = description; break;
                case "policyType":
                    if (String(value, "policyType") is { } typeText)
                    {
                        if (TryParseType(typeText, out var type)) draft.Type = type;
                        else Error("policyType", $"'{typeText}' is not a policy type; use {string.Join(", ", Enum.GetValues<PolicyType>().Select(TypeName))}.");
                    }
                    break;
                case "category":
                    if (String(value, "category") is { } categoryText)
                    {
                        if (EnumNames.TryParse<PolicyCategory>(categoryText, out var category)) draft.Category = category;
                        else Error("category", $"'{categoryText}' is not a category; use {string.Join(", ", Enum.GetNames<PolicyCategory>())}.");
                    }
                    break;
                case "severity":
                    if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var severityNumber) && Enum.IsDefined((AlertSeverity)severityNumber))
                        draft.Severity = (AlertSeverity)severityNumber;
                    else if (value.ValueKind == JsonValueKind.String && EnumNames.TryParse<AlertSeverity>(value.GetString(), out var severityName))
                        draft.Severity = severityName;
                    else
                        Error("severity", "severity must be 0 (Low), 1 (Medium), 2 (High), 3 (Informational) or one of those names.");
                    break;
                case "enabled": if (Bool(value, "enabled") is { } enabled) draft.IsEnabled = enabled; break;
                case "alertDailyLimit": if (Int(value, "alertDailyLimit") is { } limit) draft.AlertSettings.DailyAlertLimit = limit; break;
                case "conditions": ReadConditions(value); break;
                case "threshold":
                    if (value.ValueKind == JsonValueKind.Null)
                        draft.UseThreshold = false;
                    else if (value.ValueKind != JsonValueKind.Object)
                        Error("threshold", "threshold must be {\"count\": N, \"windowMinutes\": M} or null.");
                    else
                    {
                        draft.UseThreshold = true;
                        if (value.TryGetProperty("count", out var count) && Int(count, "threshold.count") is { } c) draft.ThresholdCount = c;
                        else if (!value.TryGetProperty("count", out _)) Error("threshold.count", "threshold.count is required.");
                        if (value.TryGetProperty("windowMinutes", out var window) && Int(window, "threshold.windowMinutes") is { } w) draft.ThresholdWindowMinutes = w;
                        else if (!value.TryGetProperty("windowMinutes", out _)) Error("threshold.windowMinutes", "threshold.windowMinutes is required.");
                    }
                    break;
                case "alertSettings": ReadAlertSettings(value); break;
                case "templateId": case "_id": case "version": case "lastModified": case "modifiedBy": case "createdAt": case "projectedMSFlowFields":
                    break; // read by the endpoint, or output-only
                default:
                    Error(property.Name, $"'{property.Name}' is not a policy field.");
                    break;
            }
        }

        void ReadConditions(JsonElement value)
        {
            if (value.ValueKind != JsonValueKind.Array)
            {
                Error("conditions", "conditions must be a list of {\"field\", \"operator\", \"values\"}.");
                return;
            }
            var conditions = new List<ConditionDraft>();
            var index = 0;
            foreach (var item in value.EnumerateArray())
            {
                var key = $"conditions[{index++}]";
                if (item.ValueKind != JsonValueKind.Object)
                {
                    Error(key, "Each condition must be an object with field, operator and values.");
                    continue;
                }
                var condition = new ConditionDraft();
                if (item.TryGetProperty("field", out var field) && String(field, $"{key}.field") is { } fieldName) condition.Field = fieldName;
                else if (!item.TryGetProperty("field", out _)) Error($"{key}.field", "field is required.");
                if (item.TryGetProperty("operator", out var op) && String(op, $"{key}.operator") is { } opName)
                {
                    if (EnumNames.TryParse<ConditionOperator>(opName, out var parsed)) condition.Operator = parsed;
                    else Error($"{key}.operator", $"'{opName}' is not an operator; use {string.Join(", ", Enum.GetValues<ConditionOperator>().Select(OperatorName))}.");
                }
                else if (!item.TryGetProperty("operator", out _)) Error($"{key}.operator", "operator is required.");
                if (item.TryGetProperty("values", out var values))
                {
                    var list = values.ValueKind == JsonValueKind.Array ? values.EnumerateArray().ToList() : [values];
                    if (list.All(v => v.ValueKind == JsonValueKind.String)) condition.Values = list.Select(v => v.GetString()!).ToList();
                    else Error($"{key}.values", "values must be a list of strings.");
                }
                conditions.Add(condition);
            }
            draft.Conditions = conditions;
        }

        void ReadAlertSettings(JsonElement value)
        {
            if (value.ValueKind != JsonValueKind.Object)
            {
                Error("alertSettings", "alertSettings must be an object.");
                return;
            }
            foreach (var setting in value.EnumerateObject())
            {
                var key = $"alertSettings.{setting.Name}";
                switch (setting.Name)
                {
                    case "createAlert": if (Bool(setting.Value, key) is { } create) draft.AlertSettings.CreateAlertForEachMatch = create; break;
                    case "alertDailyLimit": case "dailyLimit": if (Int(setting.Value, key) is { } limit) draft.AlertSettings.DailyAlertLimit = limit; break;
                    case "sendEmail": if (Bool(setting.Value, key) is { } send) draft.AlertSettings.SendEmail = send; break;
                    case "emailRecipients":
                        if (setting.Value.ValueKind == JsonValueKind.Array && setting.Value.EnumerateArray().All(v => v.ValueKind == JsonValueKind.String))
                            draft.AlertSettings.EmailRecipients = setting.Value.EnumerateArray().Select(v => v.GetString()!).ToList();
                        else Error(key, "emailRecipients must be a list of e-mail addresses.");
                        break;
                    case "playbookIds":
                        if (setting.Value.ValueKind == JsonValueKind.Array
                            && setting.Value.EnumerateArray().All(v => v.ValueKind == JsonValueKind.String && Guid.TryParse(v.GetString(), out _)))
                            draft.AlertSettings.PlaybookIds = setting.Value.EnumerateArray().Select(v => Guid.Parse(v.GetString()!)).Distinct().ToList();
                        else Error(key, "playbookIds must be a list of playbook ids as GET /playbooks/ shows them.");
                        break;
                    default: Error(key, $"'{setting.Name}' is not an alert setting; use createAlert, alertDailyLimit, sendEmail, emailRecipients, playbookIds."); break;
                }
            }
        }

        string? String(JsonElement value, string field)
        {
            if (value.ValueKind == JsonValueKind.String) return value.GetString();
            Error(field, $"{field} must be a string.");
            return null;
        }

        bool? Bool(JsonElement value, string field)
        {
            if (value.ValueKind is JsonValueKind.True or JsonValueKind.False) return value.GetBoolean();
            Error(field, $"{field} must be true or false.");
            return null;
        }

        int? Int(JsonElement value, string field)
        {
            if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number)) return number;
            Error(field, $"{field} must be a whole number.");
            return null;
        }
    }
}

public sealed record ConditionJson(
    [property: JsonPropertyName("field")] string Field,
    [property: JsonPropertyName("operator")] string Operator,
    [property: JsonPropertyName("values")] IReadOnlyList<string> Values);

public sealed record ThresholdJson(
    [property: JsonPropertyName("count")] int Count,
    [property: JsonPropertyName("windowMinutes")] int WindowMinutes);

public sealed record AlertSettingsJson(
    [property: JsonPropertyName("createAlert")] bool CreateAlert,
    [property: JsonPropertyName("alertDailyLimit")] int AlertDailyLimit,
    [property: JsonPropertyName("sendEmail")] bool SendEmail,
    [property: JsonPropertyName("emailRecipients")] IReadOnlyList<string> EmailRecipients,
    [property: JsonPropertyName("playbookIds")] IReadOnlyList<Guid> PlaybookIds);
