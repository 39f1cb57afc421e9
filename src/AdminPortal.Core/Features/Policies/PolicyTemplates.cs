using AdminPortal.Core.Features.Alerts;

namespace AdminPortal.Core.Features.Policies;

/// <summary>A built-in starting point; creating from it opens the edit form pre-filled.</summary>
public sealed record PolicyTemplate(string Id, string Name, string Description, PolicyCategory Category, Func<string, PolicyDraft> Draft);

/// <summary>The built-in templates of DESIGN §2.</summary>
public static class PolicyTemplates
{
    public static readonly IReadOnlyList<PolicyTemplate> All =
    [
        new("mass-download", "Mass download by a single user",
            "Alerts when one user downloads many files in a short time.", PolicyCategory.ThreatDetection,
            _ => new PolicyDraft
            {
                Name = "Mass download by a single user",
                Description = "A single user downloaded 30 or more files within 5 minutes.",
                Category = PolicyCategory.ThreatDetection,
                Severity = AlertSeverity.Medium,
                Conditions = [Condition(ActivityFields.ActivityType, ConditionOperator.Equals, "FileDownload")],
                UseThreshold = true, ThresholdCount = 30, ThresholdWindowMinutes = 5,
            }),
        new("failed-logons", "Multiple failed log-on attempts",
            "Alerts when one user fails to log on many times in a short time.", PolicyCategory.ThreatDetection,
            _ => new PolicyDraft
            {
                Name = "Multiple failed log-on attempts",
                Description = "A user failed to log on 10 or more times within 5 minutes.",
                Category = PolicyCategory.ThreatDetection,
                Severity = AlertSeverity.Medium,
                Conditions = [Condition(ActivityFields.ActivityType, ConditionOperator.Equals, "LogOnFailed")],
                UseThreshold = true, ThresholdCount = 10, ThresholdWindowMinutes = 5,
            }),
        new("risky-ip", "Activity from a risky IP range",
            "Alerts on any activity from IP ranges you consider risky. Replace the example ranges with yours.", PolicyCategory.ThreatDetection,
            _ => new PolicyDraft
            {
                Name = "Activity from a risky IP range",
                Description = "Activity from an IP address in a range marked as risky.",
                Category = PolicyCategory.ThreatDetection,
                Severity = AlertSeverity.High,
                Conditions = [Condition(ActivityFields.IpAddress, ConditionOperator.IpInRange, "198.51.100.0/24", "203.0.113.0/24")],
            }),
        new("risky-country", "Log-on from a risky country",
            "Alerts when a user logs on from a country you do not expect. Adjust the country list.", PolicyCategory.ConditionalAccess,
            _ => new PolicyDraft
            {
                Name = "Log-on from a risky country",
                Description = "A user logged on from a country on the risky list.",
                Category = PolicyCategory.ConditionalAccess,
                Type = PolicyType.Access,
                Severity = AlertSeverity.High,
                Conditions =
                [
                    Condition(ActivityFields.ActivityType, ConditionOperator.InList, "LogOn", "LogOnFailed"),
                    Condition(ActivityFields.Country, ConditionOperator.InList, "KP", "IR", "SY", "CU"),
                ],
            }),
        new("external-share", "File shared externally",
            "Alerts when a file is shared with someone outside your domain.", PolicyCategory.InformationProtection,
            creatorUpn => new PolicyDraft
            {
                Name = "File shared externally",
                Description = "A file was shared with a user outside the organization.",
                Category = PolicyCategory.InformationProtection,
                Type = PolicyType.File,
                Severity = AlertSeverity.Medium,
                Conditions =
                [
                    Condition(ActivityFields.ActivityType, ConditionOperator.Equals, "FileShare"),
                    // "External" is judged on the target user: anyone not in the creator's own domain.
                    Condition(ActivityFields.TargetUser, ConditionOperator.DoesNotEndWith, "@" + DomainOf(creatorUpn)),
                ],
            }),
    ];

    public static PolicyTemplate? Find(string? id) => All.FirstOrDefault(t => string.Equals(t.Id, id, StringComparison.OrdinalIgnoreCase));

    /// <summary>The template's draft for this creator, remembering where it came from.</summary>
    public static PolicyDraft DraftFrom(PolicyTemplate template, string creatorUpn)
    {
        var draft = template.Draft(creatorUpn);
        draft.TemplateId = template.Id;
        return draft;
    }

    private static string DomainOf(string upn) => upn.Split('@') is [_, { Length: > 0 } domain] ? domain : "example.com";

    private static ConditionDraft Condition(string field, ConditionOperator op, params string[] values) =>
        new() { Field = field, Operator = op, Values = [.. values] };
}
