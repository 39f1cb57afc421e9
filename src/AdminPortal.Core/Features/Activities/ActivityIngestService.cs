using System.Text.Json;
using AdminPortal.Core.Data;
using AdminPortal.Core.Features.Alerts;
using AdminPortal.Core.Features.Dispatch;
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
    IDbContextFactory<PortalDbContext> contexts, PolicyCatalog catalog, AlertOutbox outbox, AlertSignal signal, SqliteWriteGate writes,
    TimeProvider time, ILogger<ActivityIngestService> logger)
{
    private const int MaxAttempts = 5;
    private readonly ActivityInputValidator _validator = new(time);
    private readonly EngineMemory _memory = new(logger);

    /// <summary>Validates each item (index = its position) and stores the valid ones.</summary>
    public async Task<IngestResult> IngestAsync(IReadOnlyList<JsonElement> items, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var accepted = new List<Activity>(items.Count);
        var rejected = new List<IngestRejection>();
        for (var index = 0; index < items.Count; index++)
        {
            var (activity, errors) = Read(items[index], now);
            if (activity is not null)
                accepted.Add(activity);
            else
                rejected.Add(new IngestRejection(index, errors));
        }
        var (created, suppressed) = await StoreAsync(accepted, cancellationToken);
        return new IngestResult(accepted.Count, rejected, created, suppressed);
    }

    /// <summary>The activity an item describes, or (when it is not valid) why not, by field.</summary>
    public (Activity? Activity, IReadOnlyDictionary<string, string[]> Errors) Read(JsonElement item, DateTimeOffset now)
    {
        var (input, errors) = ActivityInput.Read(item);
        if (item.ValueKind == JsonValueKind.Object)
        {
            foreach (var failure in _validator.Validate(input).Errors.GroupBy(f => f.PropertyName))
                if (!errors.ContainsKey(failure.Key))
                    errors[failure.Key] = failure.Select(f => f.ErrorMessage).ToArray();
        }
        return errors.Count == 0 ? (input.ToActivity(item.GetRawText(), now), errors) : (null, errors);
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
                var (alerts, suppressed) = await StoreOnceAsync(activities, cancellationToken);
                if (alerts.Count > 0)
                    signal.Raise(alerts);
                return (alerts.Count, suppressed);
            }
            catch (DbUpdateException e) when (attempt < MaxAttempts && (e is DbUpdateConcurrencyException || IsConflict(e)))
            {
                // Another instance changed a threshold or a daily count between our read and our write: do the batch again.
                logger.LogDebug("Ingest batch of {Count} conflicted with another writer (attempt {Attempt}); retrying", activities.Count, attempt);
            }
        }
    }

    private async Task<(IReadOnlyList<Alert> Alerts, int Suppressed)> StoreOnceAsync(IReadOnlyList<Activity> activities, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        var now = time.GetUtcNow();
        var policies = await catalog.EnabledAsync(db, cancellationToken);
        var matches = PolicyEngine.Match(activities, policies);
        var sqlite = db.Database.IsSqlite();
        // On SQLite the whole batch is one turn at the write gate: the engine's copy is shared by every batch of this process.
        using var turn = sqlite ? await writes.EnterAsync(cancellationToken) : default;
        try
        {
            // Begun before the engine's state is read: on SQLite this takes the write lock (BEGIN IMMEDIATE), so no other
            // writer can change a threshold or daily count between our read and our write; elsewhere version checks catch it.
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var memory = sqlite && await _memory.EnsureCurrentAsync(db, DateOnly.FromDateTime(now.UtcDateTime), cancellationToken) ? _memory : null;
            var state = await DatabaseEngineState.LoadAsync(db, matches, now, memory, cancellationToken);
            var result = PolicyEngine.Raise(matches, state, now);
            var raised = await BuildAlertsAsync(db, result.Triggers, activities, now, cancellationToken);
            var alerts = raised.Select(r => r.Alert).ToList();

            await ActivityWriter.InsertAsync(db, activities, cancellationToken);
            await state.SaveAsync(cancellationToken);
            await AlertWriter.InsertAsync(db, alerts, cancellationToken);
            // Deliveries this instance's dispatcher has room for are leased to it here and handed over at commit.
            var handoff = await outbox.AddAsync(db, raised, now, cancellationToken);
            long batch;
            try
            {
                db.ChangeTracker.DetectChanges();
                await db.SaveChangesAsync(cancellationToken);
                batch = sqlite ? await _memory.ClaimAsync(db, cancellationToken) : 0;
                await transaction.CommitAsync(cancellationToken);
            }
            catch
            {
                handoff?.Abandoned();
                throw;
            }
            handoff?.Committed();
            if (sqlite)
                _memory.Committed(batch, usedCopy: memory is not null);
            return (alerts, result.Suppressed);
        }
        catch when (sqlite)
        {
            // The engine changed the copy in place for a batch that did not land.
            _memory.Forget();
            throw;
        }
    }

    /// <summary>A threshold's evidence can reach back into earlier batches: those activities are read from the database.</summary>
    private static async Task<List<RaisedAlert>> BuildAlertsAsync(PortalDbContext db, IReadOnlyList<AlertTrigger> triggers, IReadOnlyList<Activity> batch,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (triggers.Count == 0)
            return [];
        var known = batch.ToDictionary(a => a.Id);
        var missing = triggers.SelectMany(t => t.Evidence).Where(id => !known.ContainsKey(id)).Distinct().ToList();
        foreach (var chunk in missing.Chunk(500))
            foreach (var earlier in await db.Activities.AsNoTracking().Where(a => chunk.Contains(a.Id)).ToListAsync(cancellationToken))
                known[earlier.Id] = earlier;
        return triggers.Select(t =>
        {
            var evidence = t.Evidence.Select(id => known.GetValueOrDefault(id)).OfType<Activity>().ToList();
            return new RaisedAlert(AlertBuilder.Build(t, evidence, now), t.Policy, evidence);
        }).ToList();
    }

    /// <summary>A unique-key clash: two instances created the same threshold or daily-count row at once.</summary>
    private static bool IsConflict(DbUpdateException e) =>
        e.InnerException?.GetType().Name is "SqliteException" or "PostgresException" or "SqlException"
        && (e.InnerException.Message.Contains("UNIQUE", StringComparison.OrdinalIgnoreCase)
            || e.InnerException.Message.Contains("duplicate key", StringComparison.OrdinalIgnoreCase)
            || e.InnerException.Message.Contains("23505", StringComparison.Ordinal));
}

