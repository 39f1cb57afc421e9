using System.Globalization;
using AdminPortal.Core.Features.Alerts;
using MudBlazor;

namespace AdminPortal.Web.Features.Alerts;

/// <summary>How the alert pages and the close dialog word and colour an alert's state, in one place.</summary>
public static class AlertText
{
    public static Color SeverityColor(AlertSeverity severity) => severity switch
    {
        AlertSeverity.High => Color.Error,
        AlertSeverity.Medium => Color.Warning,
        AlertSeverity.Low => Color.Info,
        _ => Color.Default,
    };

    public static string Resolution(ResolutionStatus status) => status switch
    {
        ResolutionStatus.Open => "Open",
        ResolutionStatus.TruePositive => "True positive",
        ResolutionStatus.Benign => "Benign",
        ResolutionStatus.FalsePositive => "False positive",
        ResolutionStatus.Resolved => "Resolved",
        ResolutionStatus.Dismissed => "Dismissed",
        _ => status.ToString(),
    };

    /// <summary>"Open", or "Closed · True positive": the status column and the detail page say the same.</summary>
    public static string Status(ResolutionStatus status) =>
        status == ResolutionStatus.Open ? "Open" : $"Closed · {Resolution(status)}";

    public static string Closing(AlertClosing closing) => Resolution(AlertService.StatusOf(closing));

    /// <summary>The reason's text, or null for no reason, a legacy resolution or an id the API never accepted.</summary>
    public static string? Reason(ResolutionStatus status, int? reasonId)
    {
        AlertClosing? closing = status switch
        {
            ResolutionStatus.Benign => AlertClosing.Benign,
            ResolutionStatus.FalsePositive => AlertClosing.FalsePositive,
            _ => null,
        };
        return closing is { } kind && reasonId is { } id ? AlertService.Reasons[kind].GetValueOrDefault(id) : null;
    }

    /// <summary>The portal shows times in UTC everywhere: operators in several time zones compare them.</summary>
    public static string Time(DateTimeOffset value) =>
        value.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    public static string EntityGroup(AlertEntityType type) => type switch
    {
        AlertEntityType.Account => "Users",
        AlertEntityType.Ip => "IP addresses",
        AlertEntityType.Service => "Apps",
        AlertEntityType.File => "Files",
        AlertEntityType.Country => "Countries",
        AlertEntityType.PolicyRule => "Policies",
        _ => type.ToString(),
    };
}
