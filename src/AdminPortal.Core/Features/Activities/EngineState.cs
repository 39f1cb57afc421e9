using AdminPortal.Core.Data;
using AdminPortal.Core.Features.Policies;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.Extensions.Logging;

namespace AdminPortal.Core.Features.Activities;

/// <summary>
/// The engine's memory for one batch: thresholds and daily counts, written back only where the engine changed
/// them (SQLite: prepared upserts; other providers: EF Core updates that check the version read). Read from
/// <see cref="EngineMemory"/> when this process may trust its copy, otherwise from the database in two queries.
/// </summary>
internal sealed class DatabaseEngineState : IPolicyEngineState
{
    private readonly PortalDbContext _db;
    private readonly EngineMemory? _memory;
    private readonly Dictionary<(string, string), (ThresholdState State, Guid? Read)> _thresholds = [];
    private readonly Dictionary<(string, DateOnly), (PolicyDailyCount Count, Guid? Read)> _counts = [];

    private DatabaseEngineState(PortalDbContext db, EngineMemory? memory)
    {
        _db = db;
        _memory = memory;
    }

    /// <summary>With <paramref name="memory"/>, reads nothing: the memory holds every row there is.</summary>
    public static async Task<DatabaseEngineState> LoadAsync(PortalDbContext db, IReadOnlyList<PolicyMatches> matches, DateTimeOffset now,
        EngineMemory? memory, CancellationToken cancellationToken)
    {
        var state = new DatabaseEngineState(db, memory);
        var alerting = matches.Where(m => m.Policy.CreateAlerts).ToList();
        if (memory is not null || alerting.Count == 0)
            return state;
        // Rows read here must be current: fold in what batches that kept a memory copy appended.
        if (db.Database.IsSqlite())
            await EngineStateWriter.FoldJournalAsync(db, cancellationToken);

        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var policyIds = alerting.Select(m => m.Policy.Id).ToList();
        foreach (var count in await db.PolicyDailyCounts.AsNoTracking().Where(c => c.Day == today && policyIds.Contains(c.PolicyId)).ToListAsync(cancellationToken))
            state._counts[(count.PolicyId, count.Day)] = (count, count.Version);

        var thresholdMatches = alerting.Where(m => m.Policy.Threshold is not null).ToList();
        if (thresholdMatches.Count > 0)
        {
            // One query for every (policy, user) pair of the batch; it may return a few pairs more, which are ignored.
            var thresholdPolicies = thresholdMatches.Select(m => m.Policy.Id).ToList();
            var users = thresholdMatches.SelectMany(m => m.Activities).Select(a => a.User).Distinct().ToList();
            foreach (var threshold in await db.ThresholdStates.AsNoTracking()
                         .Where(s => thresholdPolicies.Contains(s.PolicyId) && users.Contains(s.User)).ToListAsync(cancellationToken))
                state._thresholds[(threshold.PolicyId, threshold.User)] = (threshold, threshold.Version);
        }
        return state;
    }

    public ThresholdState Threshold(string policyId, string user)
    {
        var key = (policyId, user);
        if (!_thresholds.TryGetValue(key, out var entry))
        {
            if (_memory is not null && _memory.Thresholds.TryGetValue(key, out var known))
                entry = (known, known.Version);
            else
            {
                entry = (new ThresholdState { PolicyId = policyId, User = user }, null);
                _memory?.Thresholds.Add(key, entry.State);
            }
            _thresholds[key] = entry;
        }
        return entry.State;
    }

    public PolicyDailyCount DailyCount(string policyId, DateOnly day)
    {
        var key = (policyId, day);
        if (!_counts.TryGetValue(key, out var entry))
        {
            if (_memory is not null && _memory.Counts.TryGetValue(key, out var known))
                entry = (known, known.Version);
            else
            {
                entry = (new PolicyDailyCount { PolicyId = policyId, Day = day }, null);
                _memory?.Counts.Add(key, entry.Count);
            }
            _counts[key] = entry;
        }
        return entry.Count;
    }

    public async Task SaveAsync(CancellationToken cancellationToken)
    {
        // The engine renews Version on every change: an unchanged version means nothing to write.
        var thresholds = _thresholds.Values.Where(e => e.State.Version != e.Read).ToList();
        var counts = _counts.Values.Where(e => e.Count.Version != e.Read).ToList();
        if (_db.Database.IsSqlite())
        {
            await EngineStateWriter.UpsertCountsAsync(_db, counts.Select(e => e.Count), cancellationToken);
            if (_memory is null)
                await EngineStateWriter.UpsertThresholdsAsync(_db, thresholds.Select(e => e.State), cancellationToken);
            else
                await _memory.JournalAsync(_db, thresholds.Select(e => e.State).ToList(), cancellationToken);
            return;
        }
        foreach (var (threshold, read) in thresholds)
            Track(threshold, read, s => s.Version);
        foreach (var (count, read) in counts)
            Track(count, read, c => c.Version);
    }

    private void Track<T>(T entity, Guid? read, System.Linq.Expressions.Expression<Func<T, Guid>> version) where T : class
    {
        if (read is not { } original)
        {
            _db.Add(entity);
            return;
        }
        var entry = _db.Attach(entity);
        entry.State = EntityState.Modified;
        entry.Property(version).OriginalValue = original;
    }
}

/// <summary>Which process wrote the engine's state last (a single row): that process may trust its in-memory copy.</summary>
public sealed class EngineStateOwner
{
    public const int RowId = 1;
    public int Id { get; set; } = RowId;
    public Guid Instance { get; set; }
    public long Batch { get; set; }
}

/// <summary>
/// SQLite: a threshold row as a batch that kept a memory copy left it, appended instead of updated in place.
/// About one threshold row changes per matching activity, scattered over the whole table: rewriting them in place
/// made every commit write hundreds of pages, while appends fill a few. The journal is folded into
/// <see cref="ThresholdState"/> in bulk (<see cref="EngineMemory.FoldAt"/> rows), where a row changed many
/// times is written once; the newest entry of a (policy, user) wins over the table.
/// </summary>
public sealed class ThresholdJournalEntry
{
    public long Seq { get; set; }
    public required string PolicyId { get; set; }
    public required string User { get; set; }
    public string Recent { get; set; } = "";
    public DateTimeOffset? AlertedUntil { get; set; }
}

internal sealed class ThresholdJournalEntryConfiguration : IEntityTypeConfiguration<ThresholdJournalEntry>
{
    public void Configure(EntityTypeBuilder<ThresholdJournalEntry> entry)
    {
        entry.ToTable("ThresholdJournal");
        entry.HasKey(e => e.Seq);
        // SQLite numbers the rows itself (the key is its rowid), in insertion order.
        entry.Property(e => e.Seq).ValueGeneratedNever();
        entry.Property(e => e.PolicyId).HasMaxLength(24).IsFixedLength();
        entry.Property(e => e.User).HasMaxLength(256);
    }
}

internal sealed class EngineStateOwnerConfiguration : IEntityTypeConfiguration<EngineStateOwner>
{
    public void Configure(EntityTypeBuilder<EngineStateOwner> owner)
    {
        owner.ToTable("EngineStateOwners");
        owner.HasKey(o => o.Id);
        owner.Property(o => o.Id).ValueGeneratedNever();
    }
}

/// <summary>
/// SQLite: every threshold and today's daily counts kept in this process between batches, so that a batch reads
/// none of them. Batches on one SQLite file are serialized by its write lock, so the copy stays exact as long as
/// this process wrote the last batch, which <see cref="EngineStateOwner"/> records under that lock; when another
/// process (or a failed batch) came in between, the copy is reloaded whole. Every batch still writes what it
/// changed: the database remains the durable truth and the copy is only a cache of it.
/// </summary>
internal sealed class EngineMemory(ILogger logger)
{
    /// <summary>Beyond this many threshold rows the copy is not kept (memory) and each batch reads its own rows.</summary>
    public const int MaxThresholds = 500_000;
    /// <summary>Journal rows that trigger a fold into the threshold table (≈ 100 busy batches).</summary>
    public int FoldAt { get; init; } = 100_000;

    private readonly Guid _instance = Guid.NewGuid();
    private long _batch = -1; // the last batch this process wrote with a trusted copy; -1: nothing trusted
    private bool _tooLarge;
    private long _journalRows;

    public Dictionary<(string PolicyId, string User), ThresholdState> Thresholds { get; } = [];
    public Dictionary<(string PolicyId, DateOnly Day), PolicyDailyCount> Counts { get; } = [];

    /// <summary>Inside the batch's write transaction: makes the copy current, or answers false when it is not kept.</summary>
    public async Task<bool> EnsureCurrentAsync(PortalDbContext db, DateOnly today, CancellationToken cancellationToken)
    {
        var owner = await db.Set<EngineStateOwner>().AsNoTracking().SingleOrDefaultAsync(o => o.Id == EngineStateOwner.RowId, cancellationToken);
        if (_batch >= 0 && owner is not null && owner.Instance == _instance && owner.Batch == _batch)
        {
            foreach (var key in Counts.Keys.Where(k => k.Day < today).ToList())
                Counts.Remove(key);
            return true;
        }

        Forget();
        if (_tooLarge)
            return false;
        if (await db.ThresholdStates.CountAsync(cancellationToken) > MaxThresholds)
        {
            _tooLarge = true;
            logger.LogWarning("More than {Max} threshold rows: the policy engine reads them per batch instead of keeping them in memory", MaxThresholds);
            return false;
        }
        foreach (var threshold in await db.ThresholdStates.AsNoTracking().ToListAsync(cancellationToken))
            Thresholds[(threshold.PolicyId, threshold.User)] = threshold;
        _journalRows = 0;
        foreach (var entry in await db.Set<ThresholdJournalEntry>().AsNoTracking().OrderBy(e => e.Seq).ToListAsync(cancellationToken))
        {
            Thresholds[(entry.PolicyId, entry.User)] = new ThresholdState
            {
                PolicyId = entry.PolicyId, User = entry.User, Recent = entry.Recent, AlertedUntil = entry.AlertedUntil,
            };
            _journalRows++;
        }
        foreach (var count in await db.PolicyDailyCounts.AsNoTracking().Where(c => c.Day >= today).ToListAsync(cancellationToken))
            Counts[(count.PolicyId, count.Day)] = count;
        _batch = owner?.Batch ?? 0;
        return true;
    }

    /// <summary>Appends the batch's changed thresholds to the journal, folding it when it has grown long.</summary>
    public async Task JournalAsync(PortalDbContext db, IReadOnlyList<ThresholdState> changed, CancellationToken cancellationToken)
    {
        await EngineStateWriter.AppendThresholdsAsync(db, changed, cancellationToken);
        _journalRows += changed.Count;
        if (_journalRows < FoldAt)
            return;
        await EngineStateWriter.FoldJournalAsync(db, cancellationToken);
        _journalRows = 0;
    }

    /// <summary>
    /// Before the commit of every SQLite batch, whether or not it used the copy: records this process as the last
    /// writer, which tells other processes that their copies are stale.
    /// </summary>
    public async Task<long> ClaimAsync(PortalDbContext db, CancellationToken cancellationToken)
    {
        var next = _batch + 1;
        // EF Core's SQLite provider stores a Guid as upper-case text.
        var instance = _instance.ToString().ToUpperInvariant();
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO "EngineStateOwners" ("Id", "Instance", "Batch") VALUES ({EngineStateOwner.RowId}, {instance}, {next})
            ON CONFLICT ("Id") DO UPDATE SET "Instance" = excluded."Instance", "Batch" = excluded."Batch"
            """, cancellationToken);
        return next;
    }

    /// <summary>After the commit: the copy now matches the database at batch <paramref name="batch"/>.</summary>
    public void Committed(long batch, bool usedCopy)
    {
        if (!usedCopy)
            return;
        _batch = batch;
        if (Thresholds.Count > MaxThresholds)
        {
            _tooLarge = true;
            Forget();
        }
    }

    /// <summary>The copy may differ from the database (a failed batch mutated it, or another process wrote): drop it.</summary>
    public void Forget()
    {
        _batch = -1;
        Thresholds.Clear();
        Counts.Clear();
    }
}
