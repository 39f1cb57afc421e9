using System.Text.Json;
using AdminPortal.Core.Data;
using AdminPortal.Core.Features.Alerts;
using AdminPortal.Core.Features.Policies;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AdminPortal.Core.Features.Activities;

public sealed class IngestOptions
{
    public const string Section = "Ingest";
    /// <summary>Most items one API call may carry.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 100_000)]
    public int MaxBatchSize { get; set; } = 5_000;
}

public sealed record IngestRejection(int Index, IReadOnlyDictionary<string, string[]> Errors);

public sealed record IngestResult(int Accepted, IReadOnlyList<IngestRejection> Rejected, int AlertsCreated, int AlertsSuppressed);

/// <summary>
/// Stores activities and evaluates them against the enabled policies in one transaction per batch: a crash
/// leaves either the activities with their alerts, or neither. Items are validated one by one; a bad one is
/// reported with its index and never blocks the good ones.
/// </summary>
public sealed class ActivityIngestService(
    IDbContextFactory<PortalDbContext> contexts, PolicyCatalog catalog, AlertSignal signal, TimeProvider time, ILogger<ActivityIngestService> logger)
{
    private const int MaxAttempts = 5;
    private readonly ActivityInputValidator _validator = new(time);

    /// <summary>Validates each item (index = its position) and stores the valid ones.</summary>
    public async Task<IngestResult> IngestAsync(IReadOnlyList<JsonElement> items, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var accepted = new List<Activity>(items.Count);
        var rejected = new List<IngestRejection>();
        for (var index = 0; index < items.Count; index++)
        {
            if (Parse(items[index], now) is { } activity)
                accepted.Add(activity);
            else
                rejected.Add(new IngestRejection(index, Errors(items[index])));
        }
        var (created, suppressed) = await StoreAsync(accepted, cancellationToken);
        return new IngestResult(accepted.Count, rejected, created, suppressed);

        IReadOnlyDictionary<string, string[]> Errors(JsonElement item) => Validate(item).Errors;
    }

    /// <summary>An activity when the item is valid; null otherwise (see <see cref="Validate"/> for why).</summary>
    public Activity? Parse(JsonElement item, DateTimeOffset now)
    {
        var (input, errors) = Validate(item);
        return errors.Count == 0 ? input.ToActivity(item.GetRawText(), now) : null;
    }

    public (ActivityInput Input, IReadOnlyDictionary<string, string[]> Errors) Validate(JsonElement item)
    {
        var (input, errors) = ActivityInput.Read(item);
        if (item.ValueKind != JsonValueKind.Object)
            return (input, errors);
        foreach (var failure in _validator.Validate(input).Errors.GroupBy(f => f.PropertyName))
            if (!errors.ContainsKey(failure.Key))
                errors[failure.Key] = failure.Select(f => f.ErrorMessage).ToArray();
        return (input, errors);
    }

    /// <summary>Stores valid activities and raises their alerts, in one transaction; retried when another instance raced it.</summary>
    public async Task<(int AlertsCreated, int AlertsSuppressed)> StoreAsync(IReadOnlyList<Activity> activities, CancellationToken cancellationToken = default)
    {
        if (activities.Count == 0)
            return (0, 0);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var result = await StoreOnceAsync(activities, cancellationToken);
                if (result.Alerts.Count > 0)
                    signal.Raise(result.Alerts);
                return (result.Alerts.Count, result.Suppressed);
            }
            catch (DbUpdateException e) when (attempt < MaxAttempts && (e is DbUpdateConcurrencyException || IsConflict(e)))
            {
                // Another instance changed a threshold or a daily count between our read and our write: do the batch again.
                logger.LogDebug("Ingest batch of {Count} conflicted with another writer (attempt {Attempt}); retrying", activities.Count, attempt);
            }
        }
    }

    private async Task<RaisedAlerts> StoreOnceAsync(IReadOnlyList<Activity> activities, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        var policies = await catalog.EnabledAsync(db, cancellationToken);
        var matches = PolicyEngine.Match(activities, policies);
        var state = await DatabaseEngineState.LoadAsync(db, matches, time.GetUtcNow(), cancellationToken);
        var raised = PolicyEngine.Raise(matches, state, time.GetUtcNow());

        db.Activities.AddRange(activities);
        db.Alerts.AddRange(raised.Alerts);
        db.ChangeTracker.DetectChanges();
        await db.SaveChangesAsync(cancellationToken);
        return raised;
    }

    /// <summary>A unique-key clash: two instances created the same threshold or daily-count row at once.</summary>
    private static bool IsConflict(DbUpdateException e) =>
        e.InnerException?.GetType().Name is "SqliteException" or "PostgresException" or "SqlException"
        && (e.InnerException.Message.Contains("UNIQUE", StringComparison.OrdinalIgnoreCase)
            || e.InnerException.Message.Contains("duplicate key", StringComparison.OrdinalIgnoreCase)
            || e.InnerException.Message.Contains("23505", StringComparison.Ordinal));

    /// <summary>The engine's memory for one batch: loaded up front in as few queries as possible, saved with the batch.</summary>
    private sealed class DatabaseEngineState(PortalDbContext db) : IPolicyEngineState
    {
        private readonly Dictionary<(string, string), ThresholdState> _thresholds = [];
        private readonly Dictionary<(string, DateOnly), PolicyDailyCount> _counts = [];

        public static async Task<DatabaseEngineState> LoadAsync(PortalDbContext db, IReadOnlyList<PolicyMatches> matches, DateTimeOffset now, CancellationToken cancellationToken)
        {
            var state = new DatabaseEngineState(db);
            var alerting = matches.Where(m => m.Policy.CreateAlerts).ToList();
            if (alerting.Count == 0)
                return state;

            var today = DateOnly.FromDateTime(now.UtcDateTime);
            var policyIds = alerting.Select(m => m.Policy.Id).ToList();
            foreach (var count in await db.PolicyDailyCounts.Where(c => c.Day == today && policyIds.Contains(c.PolicyId)).ToListAsync(cancellationToken))
                state._counts[(count.PolicyId, count.Day)] = count;

            foreach (var match in alerting.Where(m => m.Policy.Threshold is not null))
            {
                var users = match.Activities.Select(a => a.User).Distinct().ToList();
                var policyId = match.Policy.Id;
                foreach (var threshold in await db.ThresholdStates.Where(s => s.PolicyId == policyId && users.Contains(s.User)).ToListAsync(cancellationToken))
                    state._thresholds[(threshold.PolicyId, threshold.User)] = threshold;
            }
            return state;
        }

        public ThresholdState Threshold(string policyId, string user)
        {
            if (!_thresholds.TryGetValue((policyId, user), out var threshold))
            {
                threshold = new ThresholdState { PolicyId = policyId, User = user };
                _thresholds[(policyId, user)] = threshold;
                db.ThresholdStates.Add(threshold);
            }
            return threshold;
        }

        public PolicyDailyCount DailyCount(string policyId, DateOnly day)
        {
            if (!_counts.TryGetValue((policyId, day), out var count))
            {
                count = new PolicyDailyCount { PolicyId = policyId, Day = day };
                _counts[(policyId, day)] = count;
                db.PolicyDailyCounts.Add(count);
            }
            return count;
        }
    }
}
