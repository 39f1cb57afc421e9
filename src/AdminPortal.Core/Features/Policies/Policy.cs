using AdminPortal.Core.Features.Alerts;

namespace AdminPortal.Core.Features.Policies;

/// <summary>Watches activities and raises alerts; its alert settings say where the alerts go.</summary>
public sealed class Policy
{
    /// <summary>MCAS spells policy types in upper snake case (<c>ANOMALY_DETECTION</c>).</summary>
    public static string ApiTypeName(PolicyType type) => type switch
    {
        PolicyType.AnomalyDetection => "ANOMALY_DETECTION",
        PolicyType.AppDiscovery => "APP_DISCOVERY",
        _ => type.ToString().ToUpperInvariant(),
    };

    /// <summary>24 lower-case hex characters, as MCAS policy ids.</summary>
    public string Id { get; set; } = PortalIds.NewId();
    public required string Name { get; set; }
    public string Description { get; set; } = "";
    public PolicyType Type { get; set; } = PolicyType.Activity;
    public PolicyCategory Category { get; set; } = PolicyCategory.ThreatDetection;
    public AlertSeverity Severity { get; set; } = AlertSeverity.Medium;
    public bool IsEnabled { get; set; } = true;

    /// <summary>Conditions over activity fields, combined with AND.</summary>
    public List<PolicyCondition> Conditions { get; set; } = [];
    /// <summary>At least N matches by the same user within M minutes; null = every match counts.</summary>
    public RepeatThreshold? Threshold { get; set; }

    public PolicyAlertSettings AlertSettings { get; set; } = new();
    public List<PolicyPlaybook> Playbooks { get; set; } = [];
    /// <summary>Governance actions recorded for connectors to execute.</summary>
    public List<string> GovernanceActions { get; set; } = [];

    /// <summary>Template this policy was created from, if any.</summary>
    public string? TemplateId { get; set; }
    public string CreatedBy { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public string ModifiedBy { get; set; } = "";
    public DateTimeOffset ModifiedAt { get; set; }
    /// <summary>Deleted policies stay as rows so their alerts keep their policy; they never match again.</summary>
    public DateTimeOffset? DeletedAt { get; set; }
    public string? DeletedBy { get; set; }
    /// <summary>Optimistic concurrency token, renewed on every change.</summary>
    public Guid Version { get; set; } = Guid.NewGuid();
}

public enum PolicyType { Activity, File, AnomalyDetection, Session, Access, AppDiscovery }

public enum PolicyCategory { ThreatDetection, InformationProtection, ConditionalAccess, ShadowIT }

public sealed class PolicyCondition
{
    public required string Field { get; set; }
    public ConditionOperator Operator { get; set; }
    public List<string> Values { get; set; } = [];
}

public enum ConditionOperator { Equals, NotEquals, InList, Contains, StartsWith, EndsWith, DoesNotEndWith, IpInRange }

public sealed class RepeatThreshold
{
    public int Count { get; set; }
    public int WindowMinutes { get; set; }
}

public sealed class PolicyAlertSettings
{
    public bool CreateAlertForEachMatch { get; set; } = true;
    public int DailyAlertLimit { get; set; } = 5;
    public bool SendEmail { get; set; }
    public List<string> EmailRecipients { get; set; } = [];
}

/// <summary>A policy sends its alerts to this playbook ("Send alerts to Power Automate").</summary>
public sealed class PolicyPlaybook
{
    public required string PolicyId { get; set; }
    public Guid PlaybookId { get; set; }
    public DateTimeOffset LinkedAt { get; set; }
    public string LinkedBy { get; set; } = "";
}

/// <summary>Alerts raised and held back by a policy on one UTC day: the daily alert limit's count.</summary>
public sealed class PolicyDailyCount
{
    public required string PolicyId { get; set; }
    public DateOnly Day { get; set; }
    public int Alerts { get; set; }
    /// <summary>Alerts not raised because the daily limit was reached.</summary>
    public int Suppressed { get; set; }
    public Guid Version { get; set; } = Guid.NewGuid();
}

/// <summary>
/// A repeat threshold's memory for one (policy, user): the latest matches inside the window (time and activity id,
/// at most the threshold's count), and the end of the window an alert was already raised for (one alert per window).
/// </summary>
public sealed class ThresholdState
{
    public required string PolicyId { get; set; }
    public required string User { get; set; }
    /// <summary>Compact "ticks:activityId;…", oldest first: this row is rewritten for every match, so it stays small.</summary>
    public string Recent { get; set; } = "";
    public DateTimeOffset? AlertedUntil { get; set; }
    public Guid Version { get; set; } = Guid.NewGuid();
}

/// <summary>One remembered match of a repeat threshold.</summary>
public readonly record struct ThresholdHit(DateTimeOffset At, Guid ActivityId)
{
    public static List<ThresholdHit> Parse(string recent)
    {
        var hits = new List<ThresholdHit>();
        foreach (var entry in recent.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = entry.IndexOf(':');
            if (colon > 0 && long.TryParse(entry.AsSpan(0, colon), out var ticks) && Guid.TryParse(entry.AsSpan(colon + 1), out var id))
                hits.Add(new ThresholdHit(new DateTimeOffset(ticks, TimeSpan.Zero), id));
        }
        return hits;
    }

    public static string Format(IEnumerable<ThresholdHit> hits) => string.Join(';', hits.Select(h => $"{h.At.UtcTicks}:{h.ActivityId:N}"));
}
