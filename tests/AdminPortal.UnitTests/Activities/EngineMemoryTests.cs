using AdminPortal.Core.Data;
using AdminPortal.Core.Features.Activities;
using AdminPortal.Core.Features.Policies;
using AdminPortal.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace AdminPortal.UnitTests.Activities;

/// <summary>
/// The SQLite copy of the engine's state: thresholds appended to a journal, folded into the threshold table in
/// bulk, and read back (table, then newer journal entries) by a process that did not write the last batch.
/// </summary>
public sealed class EngineMemoryTests : IAsyncLifetime
{
    private static readonly DateOnly Today = new(2026, 11, 27);
    private TestDatabase _database = null!;
    private string _policy = "";
    private string _otherPolicy = "";

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        var policies = new PolicyService(_database, TimeProvider.System);
        _policy = (await policies.CreateAsync(PolicyTemplates.DraftFrom(PolicyTemplates.All[0], "admin@contoso.com"), "admin@contoso.com")).Id;
        _otherPolicy = (await policies.CreateAsync(PolicyTemplates.DraftFrom(PolicyTemplates.All[1], "admin@contoso.com"), "admin@contoso.com")).Id;
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    private ThresholdState State(string policy, string user, string recent) => new() { PolicyId = policy, User = user, Recent = recent };

    private async Task<(List<ThresholdState> Table, int Journal)> StoredAsync()
    {
        await using var db = _database.CreateDbContext();
        return (await db.ThresholdStates.AsNoTracking().OrderBy(s => s.User).ToListAsync(), await db.Set<ThresholdJournalEntry>().CountAsync());
    }

    [Fact]
    public async Task Journal_IsFoldedIntoTheTable_WhenItReachesFoldAt_KeepingEachUsersNewestState()
    {
        var memory = new EngineMemory(NullLogger.Instance) { FoldAt = 3 };
        await using (var db = _database.CreateDbContext())
        await using (var transaction = await db.Database.BeginTransactionAsync())
        {
            Assert.True(await memory.EnsureCurrentAsync(db, Today, CancellationToken.None));
            await memory.JournalAsync(db, [State(_policy, "alice@contoso.com", "first")], CancellationToken.None);
            await transaction.CommitAsync();
        }
        var (before, journalBefore) = await StoredAsync();
        Assert.Empty(before);
        Assert.Equal(1, journalBefore);

        await using (var db = _database.CreateDbContext())
        await using (var transaction = await db.Database.BeginTransactionAsync())
        {
            await memory.JournalAsync(db, [State(_policy, "alice@contoso.com", "second"), State(_policy, "bob@contoso.com", "bob's")], CancellationToken.None);
            await transaction.CommitAsync();
        }

        var (table, journal) = await StoredAsync();
        Assert.Equal(0, journal);
        Assert.Equal([("alice@contoso.com", "second"), ("bob@contoso.com", "bob's")], table.Select(s => (s.User, s.Recent)));
    }

    [Fact]
    public async Task Fold_DropsTheEntriesOfAPolicyDeletedSince()
    {
        await using var db = _database.CreateDbContext();
        await using var transaction = await db.Database.BeginTransactionAsync();
        await EngineStateWriter.AppendThresholdsAsync(db, [State(_policy, "alice@contoso.com", "kept"), State(_otherPolicy, "bob@contoso.com", "gone")],
            CancellationToken.None);
        await db.Database.ExecuteSqlAsync($"""DELETE FROM "Policies" WHERE "Id" = {_otherPolicy}""");
        await EngineStateWriter.FoldJournalAsync(db, CancellationToken.None);
        await transaction.CommitAsync();

        var (table, journal) = await StoredAsync();
        Assert.Equal(0, journal);
        Assert.Equal(("alice@contoso.com", "kept"), (Assert.Single(table).User, table[0].Recent));
    }

    [Fact]
    public async Task AnotherProcess_ReadsTheTableThenTheNewerJournalEntries_AndTheWriterTrustsItsCopyOnlyWhileItWroteLast()
    {
        var writer = new EngineMemory(NullLogger.Instance);
        await using (var db = _database.CreateDbContext())
        await using (var transaction = await db.Database.BeginTransactionAsync())
        {
            await EngineStateWriter.UpsertThresholdsAsync(db, [State(_policy, "alice@contoso.com", "old"), State(_policy, "bob@contoso.com", "bob's")],
                CancellationToken.None);
            Assert.True(await writer.EnsureCurrentAsync(db, Today, CancellationToken.None));
            await writer.JournalAsync(db, [State(_policy, "alice@contoso.com", "new")], CancellationToken.None);
            writer.Committed(await writer.ClaimAsync(db, CancellationToken.None), usedCopy: true);
            await transaction.CommitAsync();
        }

        var reader = new EngineMemory(NullLogger.Instance);
        await using (var db = _database.CreateDbContext())
        await using (var transaction = await db.Database.BeginTransactionAsync())
        {
            Assert.True(await reader.EnsureCurrentAsync(db, Today, CancellationToken.None));
            Assert.Equal("new", reader.Thresholds[(_policy, "alice@contoso.com")].Recent);
            Assert.Equal("bob's", reader.Thresholds[(_policy, "bob@contoso.com")].Recent);
            reader.Thresholds[(_policy, "alice@contoso.com")].Recent = "the reader's";
            reader.Committed(await reader.ClaimAsync(db, CancellationToken.None), usedCopy: true);
            await transaction.CommitAsync();
        }

        // The reader wrote last: the writer's copy is stale and is read again (the reader's change was never stored, so "new").
        writer.Thresholds[(_policy, "alice@contoso.com")].Recent = "stale";
        await using (var db = _database.CreateDbContext())
        {
            Assert.True(await writer.EnsureCurrentAsync(db, Today, CancellationToken.None));
            Assert.Equal("new", writer.Thresholds[(_policy, "alice@contoso.com")].Recent);
        }
    }
}
