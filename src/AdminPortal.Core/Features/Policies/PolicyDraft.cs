using AdminPortal.Core.Features.Alerts;

namespace AdminPortal.Core.Features.Policies;

/// <summary>A policy as the edit form and the API change it; validated by <see cref="PolicyValidator"/>.</summary>
public sealed class PolicyDraft
{
    public string Name { get; set; } = "";
    public string Description { get; set; } = "";
    public PolicyType Type { get; set; } = PolicyType.Activity;
    public PolicyCategory Category { get; set; } = PolicyCategory.ThreatDetection;
    public AlertSeverity Severity { get; set; } = AlertSeverity.Medium;
    public bool IsEnabled { get; set; } = true;
    public List<ConditionDraft> Conditions { get; set; } = [];
    public bool UseThreshold { get; set; }
    public int ThresholdCount { get; set; } = 10;
    public int ThresholdWindowMinutes { get; set; } = 5;
    public PolicyAlertSettingsDraft AlertSettings { get; set; } = new();
    public string? TemplateId { get; set; }

    public static PolicyDraft From(Policy policy) => new()
    {
        Name = policy.Name,
        Description = policy.Description,
        Type = policy.Type,
        Category = policy.Category,
        Severity = policy.Severity,
        IsEnabled = policy.IsEnabled,
        Conditions = policy.Conditions.Select(c => new ConditionDraft { Field = c.Field, Operator = c.Operator, Values = [.. c.Values] }).ToList(),
        UseThreshold = policy.Threshold is not null,
        ThresholdCount = policy.Threshold?.Count ?? 10,
        ThresholdWindowMinutes = policy.Threshold?.WindowMinutes ?? 5,
        AlertSettings = PolicyAlertSettingsDraft.From(policy),
        TemplateId = policy.TemplateId,
    };

    /// <summary>Copies the (validated) draft onto the entity; values are trimmed and empty ones dropped.</summary>
    public void ApplyTo(Policy policy)
    {
        policy.Name = Name.Trim();
        policy.Description = Description.Trim();
        policy.Type = Type;
        policy.Category = Category;
        policy.Severity = Severity;
        policy.IsEnabled = IsEnabled;
        policy.Conditions = Conditions.Select(c => new PolicyCondition
        {
            Field = c.Field,
            Operator = c.Operator,
            Values = c.CleanValues().ToList(),
        }).ToList();
        policy.Threshold = UseThreshold ? new RepeatThreshold { Count = ThresholdCount, WindowMinutes = ThresholdWindowMinutes } : null;
        AlertSettings.ApplyTo(policy.AlertSettings);
        policy.TemplateId ??= TemplateId;
    }
}

public sealed class ConditionDraft
{
    public string Field { get; set; } = ActivityFields.ActivityType;
    public ConditionOperator Operator { get; set; } = ConditionOperator.Equals;
    public List<string> Values { get; set; } = [];

    public IEnumerable<string> CleanValues() => Values.Select(v => v.Trim()).Where(v => v.Length > 0);
}

/// <summary>The Alerts section of the policy settings dialog.</summary>
public sealed class PolicyAlertSettingsDraft
{
    public bool CreateAlertForEachMatch { get; set; } = true;
    public int DailyAlertLimit { get; set; } = 5;
    public bool SendEmail { get; set; }
    public List<string> EmailRecipients { get; set; } = [];
    /// <summary>
    /// "Send alerts to Power Automate": the playbooks the policy's alerts go to; null leaves the links as they are.
    /// Callers check that playbooks they add are ones the user may use (<c>PlaybookService.NotUsableAsync</c>).
    /// </summary>
    public List<Guid>? PlaybookIds { get; set; }

    /// <summary>The policy's settings with its playbook links.</summary>
    public static PolicyAlertSettingsDraft From(Policy policy)
    {
        var draft = From(policy.AlertSettings);
        draft.PlaybookIds = policy.Playbooks.Select(l => l.PlaybookId).ToList();
        return draft;
    }

    public static PolicyAlertSettingsDraft From(PolicyAlertSettings settings) => new()
    {
        CreateAlertForEachMatch = settings.CreateAlertForEachMatch,
        DailyAlertLimit = settings.DailyAlertLimit,
        SendEmail = settings.SendEmail,
        EmailRecipients = [.. settings.EmailRecipients],
    };

    public void ApplyTo(PolicyAlertSettings settings)
    {
        settings.CreateAlertForEachMatch = CreateAlertForEachMatch;
        settings.DailyAlertLimit = DailyAlertLimit;
        settings.SendEmail = SendEmail;
        settings.EmailRecipients = EmailRecipients.Select(r => r.Trim()).Where(r => r.Length > 0)
            .Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    }
}
