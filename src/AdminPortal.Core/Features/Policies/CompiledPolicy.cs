using System.Net;
using AdminPortal.Core.Features.Activities;
using AdminPortal.Core.Features.Alerts;

namespace AdminPortal.Core.Features.Policies;

/// <summary>
/// A policy turned into a predicate once, when it changes, so evaluating an activity is a few string
/// comparisons and not a parse. Conditions are AND-combined, cheapest first.
/// </summary>
public sealed class CompiledPolicy
{
    private readonly Func<Activity, bool>[] _conditions;

    private CompiledPolicy(Policy policy, Func<Activity, bool>[] conditions)
    {
        Id = policy.Id;
        Version = policy.Version;
        Name = policy.Name;
        Severity = policy.Severity;
        Category = policy.Category;
        Type = policy.Type;
        Threshold = policy.Threshold is { Count: > 0, WindowMinutes: > 0 } threshold
            ? new RepeatThreshold { Count = threshold.Count, WindowMinutes = threshold.WindowMinutes }
            : null;
        CreateAlerts = policy.AlertSettings.CreateAlertForEachMatch;
        DailyAlertLimit = policy.AlertSettings.DailyAlertLimit;
        PlaybookIds = policy.Playbooks.Select(p => p.PlaybookId).ToArray();
        // Lower case and distinct: the daily e-mail limit counts per address.
        EmailRecipients = policy.AlertSettings.SendEmail
            ? policy.AlertSettings.EmailRecipients.Select(r => r.Trim().ToLowerInvariant()).Where(r => r.Length > 0).Distinct().ToArray()
            : [];
        _conditions = conditions;
    }

    public string Id { get; }
    public Guid Version { get; }
    public string Name { get; }
    public AlertSeverity Severity { get; }
    public PolicyCategory Category { get; }
    public PolicyType Type { get; }
    public RepeatThreshold? Threshold { get; }
    public bool CreateAlerts { get; }
    public int DailyAlertLimit { get; }
    public IReadOnlyList<Guid> PlaybookIds { get; }
    /// <summary>Who gets each alert by e-mail; empty when the policy does not send e-mail.</summary>
    public IReadOnlyList<string> EmailRecipients { get; }

    public bool Matches(Activity activity)
    {
        foreach (var condition in _conditions)
            if (!condition(activity))
                return false;
        return true;
    }

    /// <summary>Compiles a policy that passed <see cref="PolicyValidator"/>; throws on one that did not.</summary>
    public static CompiledPolicy Compile(Policy policy)
    {
        if (policy.Conditions.Count == 0)
            throw new ArgumentException($"Policy {policy.Id} has no conditions.", nameof(policy));
        var conditions = policy.Conditions
            .OrderBy(c => c.Operator == ConditionOperator.IpInRange ? 2 : c.Operator is ConditionOperator.Equals or ConditionOperator.InList or ConditionOperator.NotEquals ? 0 : 1)
            .Select(Compile)
            .ToArray();
        return new CompiledPolicy(policy, conditions);
    }

    private static Func<Activity, bool> Compile(PolicyCondition condition)
    {
        var read = ActivityFields.Reader(condition.Field)
            ?? throw new ArgumentException($"'{condition.Field}' is not an activity field.", nameof(condition));
        var values = condition.Values.Select(v => v.Trim()).Where(v => v.Length > 0).ToArray();
        if (values.Length == 0)
            throw new ArgumentException($"The condition on '{condition.Field}' has no values.", nameof(condition));

        switch (condition.Operator)
        {
            case ConditionOperator.Equals when values.Length == 1:
                var single = values[0];
                return a => string.Equals(read(a), single, StringComparison.OrdinalIgnoreCase);
            case ConditionOperator.Equals or ConditionOperator.InList:
                var set = new HashSet<string>(values, StringComparer.OrdinalIgnoreCase);
                return a => read(a) is { } value && set.Contains(value);
            case ConditionOperator.NotEquals:
                var excluded = new HashSet<string>(values, StringComparer.OrdinalIgnoreCase);
                return a => read(a) is not { } value || !excluded.Contains(value);
            case ConditionOperator.Contains:
                return a => read(a) is { } value && values.Any(v => value.Contains(v, StringComparison.OrdinalIgnoreCase));
            case ConditionOperator.StartsWith:
                return a => read(a) is { } value && values.Any(v => value.StartsWith(v, StringComparison.OrdinalIgnoreCase));
            case ConditionOperator.EndsWith:
                return a => read(a) is { } value && values.Any(v => value.EndsWith(v, StringComparison.OrdinalIgnoreCase));
            case ConditionOperator.DoesNotEndWith:
                return a => read(a) is not { } value || !values.Any(v => value.EndsWith(v, StringComparison.OrdinalIgnoreCase));
            case ConditionOperator.IpInRange:
                var networks = values.Select(v => IpAddresses.TryParseNetwork(v, out var network) ? network : throw new FormatException($"'{v}' is not a CIDR range.")).ToArray();
                return a => read(a) is { } value && IPAddress.TryParse(value, out var address) && InAny(networks, address);
            default:
                throw new ArgumentOutOfRangeException(nameof(condition), condition.Operator, "Unknown operator.");
        }
    }

    private static bool InAny(IPNetwork[] networks, IPAddress address)
    {
        // "::ffff:10.1.2.3" is the IPv4 address 10.1.2.3: an IPv4 range must catch it.
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        foreach (var network in networks)
            if (network.Contains(address))
                return true;
        return false;
    }
}
