using AdminPortal.Core.Features.Activities;
using AdminPortal.Core.Features.Policies;

namespace AdminPortal.Core.Features.Alerts;

/// <summary>Builds an alert's title, description and entities from its policy and the matching activities.</summary>
public static class AlertBuilder
{
    private const int MaxEntitiesPerType = 20;

    /// <summary>Builds the alert for a trigger; <paramref name="evidence"/> are the trigger's activities that could be found, oldest first.</summary>
    public static Alert Build(AlertTrigger trigger, IReadOnlyList<Activity> evidence, DateTimeOffset now)
    {
        var (policy, user) = (trigger.Policy, trigger.User);
        var first = evidence[0];
        var alert = new Alert
        {
            CreatedAt = now,
            Title = policy.Name,
            Description = Describe(policy, user, trigger.Evidence.Count, evidence),
            Severity = policy.Severity,
            PolicyId = policy.Id,
            Category = CategoryOf(policy.Category),
            MainEntity = user,
            CorrelationKey = $"{policy.Id}:{user}",
            Evidence = trigger.Evidence.Select(id => id.ToString()).ToList(),
        };
        alert.Entities.Add(new AlertEntity { Type = AlertEntityType.Account, Value = user, Label = user, Role = "Related" });
        AddEntities(alert, AlertEntityType.Ip, evidence.Select(e => e.IpAddress));
        AddEntities(alert, AlertEntityType.Service, evidence.Select(e => e.App));
        AddEntities(alert, AlertEntityType.File, evidence.Select(e => e.ObjectName));
        AddEntities(alert, AlertEntityType.Country, evidence.Select(e => e.Country));
        alert.Entities.Add(new AlertEntity { Type = AlertEntityType.PolicyRule, Value = policy.Id, Label = policy.Name });
        alert.History.Add(new AlertEvent { At = now, Actor = "system", Kind = AlertEventKind.Raised, Comment = $"Raised by policy '{policy.Name}' from {first.ActivityType} activity." });
        return alert;
    }

    private static string Describe(CompiledPolicy policy, string user, int count, IReadOnlyList<Activity> evidence)
    {
        var first = evidence[0];
        if (count == 1)
        {
            var what = first.ObjectName is { Length: > 0 } name ? $" on '{name}'" : "";
            var where = first.IpAddress is { Length: > 0 } ip ? $" from {ip}" + (first.Country is { Length: > 0 } c ? $" ({c})" : "") : "";
            return $"{user} performed {first.ActivityType} in {first.App}{what}{where}.";
        }
        var types = string.Join(", ", evidence.Select(e => e.ActivityType).Distinct());
        var apps = string.Join(", ", evidence.Select(e => e.App).Distinct());
        var ips = evidence.Select(e => e.IpAddress).Where(ip => !string.IsNullOrEmpty(ip)).Distinct().ToList();
        var from = ips.Count > 0 ? $" from {string.Join(", ", ips.Take(5))}{(ips.Count > 5 ? $" and {ips.Count - 5} more" : "")}" : "";
        var minutes = policy.Threshold?.WindowMinutes ?? 0;
        return $"{user} performed {count} matching activities ({types}) in {apps} within {minutes} minutes{from}.";
    }

    private static void AddEntities(Alert alert, AlertEntityType type, IEnumerable<string?> values)
    {
        // Entity columns hold 512 characters; an object name may be longer (1,024), and must not fail the batch.
        foreach (var value in values.Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v!.Length > 512 ? v[..512] : v)
                     .Distinct(StringComparer.OrdinalIgnoreCase).Take(MaxEntitiesPerType))
            alert.Entities.Add(new AlertEntity { Type = type, Value = value!, Label = value });
    }

    public static AlertCategory CategoryOf(PolicyCategory category) => category switch
    {
        PolicyCategory.InformationProtection => AlertCategory.SharingControl,
        PolicyCategory.ConditionalAccess => AlertCategory.AccessControl,
        PolicyCategory.ShadowIT => AlertCategory.Discovery,
        _ => AlertCategory.ThreatDetection,
    };
}
