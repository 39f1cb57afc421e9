using AdminPortal.Core.Features.Activities;
using AdminPortal.Core.Features.Alerts;
using AdminPortal.Core.Features.Policies;

namespace AdminPortal.UnitTests.Policies;

/// <summary>Activities and policies for the engine tests.</summary>
internal static class PolicyTestData
{
    /// <summary>A Monday morning, UTC.</summary>
    public static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    public const string Ada = "ada@contoso.com";
    public const string Bob = "bob@contoso.com";

    public static Activity Activity(
        DateTimeOffset at, string user = Ada, string type = "FileDownload", string app = "SharePoint", string? ip = "203.0.113.5",
        string? country = "NL", string? device = null, string? objectName = "report.xlsx", string? objectId = null, string? targetUser = null) => new()
    {
        Timestamp = at, User = user, ActivityType = type, App = app, IpAddress = ip, Country = country, Device = device,
        ObjectName = objectName, ObjectId = objectId, TargetUser = targetUser,
    };

    public static Activity At(int minutes, string user = Ada, string type = "FileDownload") => Activity(T0.AddMinutes(minutes), user, type);

    public static PolicyCondition Condition(string field, ConditionOperator op, params string[] values) =>
        new() { Field = field, Operator = op, Values = [.. values] };

    public static Policy Policy(string name = "Downloads", params PolicyCondition[] conditions) => new()
    {
        Name = name,
        Severity = AlertSeverity.High,
        Category = PolicyCategory.ThreatDetection,
        Conditions = conditions.Length > 0 ? [.. conditions] : [Condition(ActivityFields.ActivityType, ConditionOperator.Equals, "FileDownload")],
        AlertSettings = new PolicyAlertSettings { DailyAlertLimit = 1000 },
    };

    /// <summary>Alerts on every FileDownload, one per match.</summary>
    public static CompiledPolicy PerMatch(int dailyLimit = 1000, string name = "Downloads")
    {
        var policy = Policy(name);
        policy.AlertSettings.DailyAlertLimit = dailyLimit;
        return CompiledPolicy.Compile(policy);
    }

    /// <summary>Alerts when one user downloads <paramref name="count"/> files within <paramref name="minutes"/> minutes.</summary>
    public static CompiledPolicy Threshold(int count, int minutes, int dailyLimit = 1000)
    {
        var policy = Policy("Mass download");
        policy.Threshold = new RepeatThreshold { Count = count, WindowMinutes = minutes };
        policy.AlertSettings.DailyAlertLimit = dailyLimit;
        return CompiledPolicy.Compile(policy);
    }

    public static EngineResult Raise(CompiledPolicy policy, IPolicyEngineState state, DateTimeOffset now, params Activity[] activities) =>
        PolicyEngine.Raise(PolicyEngine.Match(activities, [policy]), state, now);

    public static Guid[] Ids(params Activity[] activities) => activities.Select(a => a.Id).ToArray();

    /// <summary>Builds a trigger's alert as the ingest service does: from the evidence activities it can find.</summary>
    public static Alert Build(AlertTrigger trigger, IEnumerable<Activity> known, DateTimeOffset now)
    {
        var byId = known.ToDictionary(a => a.Id);
        return AlertBuilder.Build(trigger, trigger.Evidence.Select(id => byId.GetValueOrDefault(id)).OfType<Activity>().ToList(), now);
    }

    /// <summary>The alert of the only trigger these activities raise under the policy.</summary>
    public static Alert SingleAlert(CompiledPolicy policy, DateTimeOffset now, params Activity[] activities) =>
        Build(Assert.Single(Raise(policy, new InMemoryPolicyEngineState(), now, activities).Triggers), activities, now);
}

/// <summary>The engine's memory between batches, kept in dictionaries as the ingest service keeps it in tables.</summary>
internal sealed class InMemoryPolicyEngineState : IPolicyEngineState
{
    public Dictionary<(string PolicyId, string User), ThresholdState> Thresholds { get; } = [];
    public Dictionary<(string PolicyId, DateOnly Day), PolicyDailyCount> DailyCounts { get; } = [];

    public ThresholdState Threshold(string policyId, string user)
    {
        if (!Thresholds.TryGetValue((policyId, user), out var state))
            Thresholds[(policyId, user)] = state = new ThresholdState { PolicyId = policyId, User = user };
        return state;
    }

    public PolicyDailyCount DailyCount(string policyId, DateOnly day)
    {
        if (!DailyCounts.TryGetValue((policyId, day), out var count))
            DailyCounts[(policyId, day)] = count = new PolicyDailyCount { PolicyId = policyId, Day = day };
        return count;
    }
}
