using AdminPortal.Core.Features.Activities;

namespace AdminPortal.Core.Features.Policies;

/// <summary>The activities of one batch that one policy matched, in time order.</summary>
public sealed record PolicyMatches(CompiledPolicy Policy, IReadOnlyList<Activity> Activities);

/// <summary>What the engine remembers between batches; the ingest service keeps it in the database.</summary>
public interface IPolicyEngineState
{
    ThresholdState Threshold(string policyId, string user);
    PolicyDailyCount DailyCount(string policyId, DateOnly day);
}

/// <summary>An alert to raise: the policy, the user it is about and the ids of the matching activities (oldest first).</summary>
public sealed record AlertTrigger(CompiledPolicy Policy, string User, IReadOnlyList<Guid> Evidence);

public sealed record EngineResult(IReadOnlyList<AlertTrigger> Triggers, int Suppressed);

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

    public static EngineResult Raise(IReadOnlyList<PolicyMatches> matches, IPolicyEngineState state, DateTimeOffset now)
    {
        var triggers = new List<AlertTrigger>();
        var suppressed = 0;
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        foreach (var (policy, activities) in matches)
        {
            if (!policy.CreateAlerts)
                continue;
            foreach (var trigger in Triggers(policy, activities, state))
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
                triggers.Add(trigger);
            }
        }
        return new EngineResult(triggers, suppressed);
    }

    /// <summary>One trigger per match, or one per threshold window.</summary>
    private static IEnumerable<AlertTrigger> Triggers(CompiledPolicy policy, IReadOnlyList<Activity> activities, IPolicyEngineState state)
    {
        if (policy.Threshold is not { } threshold)
        {
            foreach (var activity in activities)
                yield return new AlertTrigger(policy, activity.User, [activity.Id]);
            yield break;
        }

        var window = TimeSpan.FromMinutes(threshold.WindowMinutes);
        foreach (var byUser in activities.GroupBy(a => a.User))
        {
            var memory = state.Threshold(policy.Id, byUser.Key);
            var recent = ThresholdHit.Parse(memory.Recent);
            var changed = false;
            foreach (var activity in byUser)
            {
                // Inside a window that already raised its alert: one alert per window, not one per event.
                if (memory.AlertedUntil is { } until && activity.Timestamp < until)
                    continue;
                changed = true;
                // Kept in time order, measured from the newest: a late activity from an earlier time never
                // joins matches more than a window away from it.
                recent.Add(new ThresholdHit(activity.Timestamp, activity.Id));
                recent.Sort((a, b) => a.At.CompareTo(b.At));
                var newest = recent[^1].At;
                recent.RemoveAll(m => m.At <= newest - window);
                if (recent.Count > threshold.Count)
                    recent.RemoveRange(0, recent.Count - threshold.Count);
                if (recent.Count < threshold.Count)
                    continue;
                yield return new AlertTrigger(policy, byUser.Key, recent.Select(m => m.ActivityId).ToList());
                memory.AlertedUntil = recent.Min(m => m.At) + window;
                recent.Clear();
            }
            if (changed)
            {
                memory.Recent = ThresholdHit.Format(recent);
                memory.Version = Guid.NewGuid();
            }
        }
    }
}
