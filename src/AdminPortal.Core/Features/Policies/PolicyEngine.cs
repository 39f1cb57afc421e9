using AdminPortal.Core.Features.Activities;
using AdminPortal.Core.Features.Alerts;

namespace AdminPortal.Core.Features.Policies;

/// <summary>The activities of one batch that one policy matched, in time order.</summary>
public sealed record PolicyMatches(CompiledPolicy Policy, IReadOnlyList<Activity> Activities);

/// <summary>What the engine remembers between batches; the ingest service keeps it in the database.</summary>
public interface IPolicyEngineState
{
    ThresholdState Threshold(string policyId, string user);
    PolicyDailyCount DailyCount(string policyId, DateOnly day);
}

public sealed record RaisedAlerts(IReadOnlyList<Alert> Alerts, int Suppressed);

/// <summary>
/// Turns activities into alerts: <see cref="Match"/> finds which enabled policies each activity meets;
/// <see cref="Raise"/> applies repeat thresholds (one alert per window, per user) and the daily alert limit.
/// </summary>
public static class PolicyEngine
{
    public static IReadOnlyList<PolicyMatches> Match(IReadOnlyList<Activity> activities, IReadOnlyList<CompiledPolicy> policies)
    {
        var ordered = activities.OrderBy(a => a.Timestamp).ToList();
        var result = new List<PolicyMatches>();
        foreach (var policy in policies)
        {
            List<Activity>? matched = null;
            foreach (var activity in ordered)
                if (policy.Matches(activity))
                    (matched ??= []).Add(activity);
            if (matched is not null)
                result.Add(new PolicyMatches(policy, matched));
        }
        return result;
    }

    public static RaisedAlerts Raise(IReadOnlyList<PolicyMatches> matches, IPolicyEngineState state, DateTimeOffset now)
    {
        var alerts = new List<Alert>();
        var suppressed = 0;
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        foreach (var (policy, activities) in matches)
        {
            if (!policy.CreateAlerts)
                continue;
            foreach (var (user, evidence) in Triggers(policy, activities, state))
            {
                var count = state.DailyCount(policy.Id, today);
                count.Version = Guid.NewGuid();
                if (count.Alerts >= policy.DailyAlertLimit)
                {
                    count.Suppressed++;
                    suppressed++;
                    continue;
                }
                count.Alerts++;
                alerts.Add(AlertBuilder.Build(policy, user, evidence, now));
            }
        }
        return new RaisedAlerts(alerts, suppressed);
    }

    /// <summary>The evidence of each alert the policy would raise: one per match, or one per threshold window.</summary>
    private static IEnumerable<(string User, IReadOnlyList<ThresholdMatch> Evidence)> Triggers(CompiledPolicy policy, IReadOnlyList<Activity> activities, IPolicyEngineState state)
    {
        if (policy.Threshold is not { } threshold)
        {
            foreach (var activity in activities)
                yield return (activity.User, [Evidence(activity)]);
            yield break;
        }

        var window = TimeSpan.FromMinutes(threshold.WindowMinutes);
        foreach (var byUser in activities.GroupBy(a => a.User))
        {
            var memory = state.Threshold(policy.Id, byUser.Key);
            var recent = memory.Matches.ToList();
            var changed = false;
            foreach (var activity in byUser)
            {
                // Inside a window that already raised its alert: one alert per window, not one per event.
                if (memory.AlertedUntil is { } until && activity.Timestamp < until)
                    continue;
                changed = true;
                recent.RemoveAll(m => m.At <= activity.Timestamp - window);
                recent.Add(Evidence(activity));
                if (recent.Count > threshold.Count)
                    recent.RemoveRange(0, recent.Count - threshold.Count);
                if (recent.Count < threshold.Count)
                    continue;
                var windowStart = recent.Min(m => m.At);
                yield return (byUser.Key, recent.ToList());
                memory.AlertedUntil = windowStart + window;
                recent.Clear();
            }
            if (changed)
            {
                memory.Matches = recent;
                memory.Version = Guid.NewGuid();
            }
        }
    }

    private static ThresholdMatch Evidence(Activity activity) => new()
    {
        At = activity.Timestamp,
        ActivityId = activity.Id.ToString(),
        ActivityType = activity.ActivityType,
        App = activity.App,
        IpAddress = activity.IpAddress,
        Country = activity.Country,
        ObjectName = activity.ObjectName,
    };
}
