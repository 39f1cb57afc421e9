using System.Text.RegularExpressions;
using AdminPortal.Core.Features.Alerts;
using AdminPortal.Core.Features.Policies;
using FluentValidation.Results;
using MudBlazor;

namespace AdminPortal.Web.Features.Policies;

/// <summary>How the policy pages name, colour and format things, and read the free-text list fields.</summary>
public static partial class PolicyDisplay
{
    /// <summary>Mildest first, as a security admin reads a severity list.</summary>
    public static readonly IReadOnlyList<AlertSeverity> Severities =
        [AlertSeverity.Informational, AlertSeverity.Low, AlertSeverity.Medium, AlertSeverity.High];

    /// <summary>The choices of "Daily alert limit".</summary>
    public static readonly IReadOnlyList<int> DailyAlertLimits = [1, 5, 10, 20, 50, 100, 200, 500, 1000];

    public static string Name(PolicyCategory category) => category switch
    {
        PolicyCategory.ThreatDetection => "Threat detection",
        PolicyCategory.InformationProtection => "Information protection",
        PolicyCategory.ConditionalAccess => "Conditional access",
        PolicyCategory.ShadowIT => "Shadow IT",
        _ => category.ToString(),
    };

    public static string Name(PolicyType type) => type switch
    {
        PolicyType.Activity => "Activity policy",
        PolicyType.File => "File policy",
        PolicyType.AnomalyDetection => "Anomaly detection policy",
        PolicyType.Session => "Session policy",
        PolicyType.Access => "Access policy",
        PolicyType.AppDiscovery => "App discovery policy",
        _ => type.ToString(),
    };

    public static Color Color(AlertSeverity severity) => severity switch
    {
        AlertSeverity.High => MudBlazor.Color.Error,
        AlertSeverity.Medium => MudBlazor.Color.Warning,
        AlertSeverity.Low => MudBlazor.Color.Info,
        _ => MudBlazor.Color.Default,
    };

    public static string Format(DateTimeOffset value) => value.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'");

    /// <summary>Condition values as typed: one per line or separated by commas.</summary>
    public static List<string> SplitValues(string? text) => Split(text, ',', '\n', '\r');

    /// <summary>Recipients as typed: one per line, or separated by commas or semicolons as mail clients allow.</summary>
    public static List<string> SplitRecipients(string? text) => Split(text, ',', ';', '\n', '\r');

    public static string JoinLines(IEnumerable<string> values) => string.Join("\n", values);

    /// <summary>
    /// Validation messages by the field that shows them. A failure about one item of a list
    /// (<c>Conditions[0].Values[1]</c>, <c>EmailRecipients[3]</c>) belongs to the list's field: values are typed as one text.
    /// </summary>
    public static Dictionary<string, string> ErrorsByField(IEnumerable<ValidationFailure> failures) =>
        failures.GroupBy(f => TrailingIndex().Replace(f.PropertyName, ""))
            .ToDictionary(g => g.Key, g => string.Join(" ", g.Select(f => f.ErrorMessage).Distinct()));

    [GeneratedRegex(@"\[\d+\]$")]
    private static partial Regex TrailingIndex();

    private static List<string> Split(string? text, params char[] separators) =>
        (text ?? "").Split(separators, StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
}
