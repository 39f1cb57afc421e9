using AdminPortal.Core.Features.Audit;
using AdminPortal.Testing;
using Microsoft.EntityFrameworkCore;

namespace AdminPortal.UnitTests.Audit;

/// <summary>The audit log's query against a real, migrated SQLite file.</summary>
public sealed class AuditServiceTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);

    private TestDatabase _database = null!;
    private AuditService _audit = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _audit = new AuditService(_database);
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task List_ReturnsNewestFirst_WhateverTheInsertOrderAndTheOffsetTheTimesCameWith()
    {
        await AddAsync(("middle", Now.AddHours(-2)), ("newest", Now), ("oldest", Now.AddDays(-3)));
        // Written with a +02:00 offset: 08:30 UTC, between "newest" and "middle".
        await AddAsync(("offset", new DateTimeOffset(2026, 11, 27, 10, 30, 0, TimeSpan.FromHours(2))));

        var page = await _audit.ListAsync(new AuditFilter(), 0, 50);

        Assert.Equal(["newest", "offset", "middle", "oldest"], Details(page));
        Assert.Equal(4, page.Total);
        Assert.False(page.MoreThanTotal);
    }

    [Fact]
    public async Task List_EntriesOfTheSameInstant_TheLaterWrittenComesFirst()
    {
        await AddAsync(("first written", Now), ("second written", Now));

        var page = await _audit.ListAsync(new AuditFilter(), 0, 50);

        Assert.Equal(["second written", "first written"], Details(page));
    }

    [Fact]
    public async Task List_PagesThroughAllEntries_WithTheTotalOnEveryPage()
    {
        await AddAsync(Enumerable.Range(0, 7).Select(i => ($"entry {i}", Now.AddMinutes(-i))).ToArray());

        var first = await _audit.ListAsync(new AuditFilter(), 0, 3);
        var second = await _audit.ListAsync(new AuditFilter(), 3, 3);
        var last = await _audit.ListAsync(new AuditFilter(), 6, 3);
        var beyond = await _audit.ListAsync(new AuditFilter(), 9, 3);

        Assert.Equal(["entry 0", "entry 1", "entry 2"], Details(first));
        Assert.Equal(["entry 3", "entry 4", "entry 5"], Details(second));
        Assert.Equal(["entry 6"], Details(last));
        Assert.Empty(beyond.Items);
        Assert.All([first, second, last, beyond], page => Assert.Equal(7, page.Total));
    }

    [Fact]
    public async Task List_ByActions_KeepsOnlyThoseActions()
    {
        await AddAsync(Entry(AuditActions.PolicyUpdated, details: "updated"), Entry(AuditActions.PlaybookLinked, details: "linked", at: Now.AddMinutes(-1)),
            Entry(AuditActions.SignIn, details: "signed in", at: Now.AddMinutes(-2)));

        var page = await _audit.ListAsync(new AuditFilter { Actions = [AuditActions.PlaybookLinked, AuditActions.SignIn] }, 0, 50);

        Assert.Equal(["linked", "signed in"], Details(page));
        Assert.Equal(2, page.Total);
    }

    [Fact]
    public async Task List_ByActor_MatchesAnyPartInAnyCase()
    {
        await AddAsync(Entry(actor: "grace@contoso.com", details: "grace"), Entry(actor: "bob@contoso.com", details: "bob", at: Now.AddMinutes(-1)),
            Entry(actor: "system", details: "system", at: Now.AddMinutes(-2)));

        Assert.Equal(["grace", "bob"], Details(await _audit.ListAsync(new AuditFilter { Actor = " CONTOSO " }, 0, 50)));
        Assert.Equal(["grace"], Details(await _audit.ListAsync(new AuditFilter { Actor = "Race@" }, 0, 50)));
        Assert.Equal(["grace", "bob", "system"], Details(await _audit.ListAsync(new AuditFilter { Actor = "   " }, 0, 50)));
    }

    [Fact]
    public async Task List_ByText_SearchesDetailsTargetIdAndTargetType_InAnyCase()
    {
        await AddAsync(
            Entry(targetType: "Policy", targetId: "pol-1", details: "Policy 'Mass download' changed"),
            Entry(targetType: "ApiToken", targetId: "42", details: "token 'n8n' created", at: Now.AddMinutes(-1)),
            Entry(targetType: "Alert", targetId: "alert-mass-7", details: null, at: Now.AddMinutes(-2)),
            Entry(targetType: null, targetId: null, details: null, at: Now.AddMinutes(-3)));

        Assert.Equal(["pol-1", "alert-mass-7"], TargetIds(await _audit.ListAsync(new AuditFilter { Text = "MASS" }, 0, 50)));
        Assert.Equal(["42"], TargetIds(await _audit.ListAsync(new AuditFilter { Text = "apitoken" }, 0, 50)));
        Assert.Equal(["pol-1"], TargetIds(await _audit.ListAsync(new AuditFilter { Text = "pol-" }, 0, 50)));
        Assert.Empty((await _audit.ListAsync(new AuditFilter { Text = "nowhere" }, 0, 50)).Items);
    }

    [Fact]
    public async Task List_ByTimeRange_FromIsIncludedAndBeforeIsNot()
    {
        var day = new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero);
        await AddAsync(("25th 23:59:59", day.AddSeconds(-1)), ("26th 00:00", day), ("26th 23:59:59", day.AddDays(1).AddSeconds(-1)),
            ("27th 00:00", day.AddDays(1)));

        var page = await _audit.ListAsync(new AuditFilter { From = day, Before = day.AddDays(1) }, 0, 50);

        Assert.Equal(["26th 23:59:59", "26th 00:00"], Details(page));
        Assert.Equal(["27th 00:00", "26th 23:59:59", "26th 00:00"], Details(await _audit.ListAsync(new AuditFilter { From = day }, 0, 50)));
        Assert.Equal(["25th 23:59:59"], Details(await _audit.ListAsync(new AuditFilter { Before = day }, 0, 50)));
    }

    [Fact]
    public async Task List_FiltersCombine_AndTheTotalCountsOnlyMatchingEntries()
    {
        await AddAsync(Enumerable.Range(0, 5).Select(i => Entry(AuditActions.PolicyUpdated, "grace@contoso.com", details: $"grace {i}", at: Now.AddMinutes(-i)))
            .Concat(Enumerable.Range(0, 5).Select(i => Entry(AuditActions.PolicyUpdated, "bob@contoso.com", details: $"bob {i}", at: Now.AddMinutes(-i))))
            .Append(Entry(AuditActions.SignIn, "grace@contoso.com", details: "grace signed in"))
            .ToArray());

        var page = await _audit.ListAsync(new AuditFilter { Actions = [AuditActions.PolicyUpdated], Actor = "grace" }, 2, 2);

        Assert.Equal(["grace 2", "grace 3"], Details(page));
        Assert.Equal(5, page.Total);
    }

    [Fact]
    public async Task List_MoreMatchesThanTheCountCap_ReportsTheCapAndMore()
    {
        await using (var db = _database.CreateDbContext())
        {
            // One statement: EF would take seconds for ten thousand rows.
            await db.Database.ExecuteSqlAsync($"""
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {AuditService.CountCap + 5})
                INSERT INTO AuditEntries (At, Actor, Action) SELECT {Now.UtcTicks} - i, 'system', 'SignIn' FROM n
                """);
        }

        var first = await _audit.ListAsync(new AuditFilter(), 0, 50);
        var last = await _audit.ListAsync(new AuditFilter(), AuditService.CountCap, 50);

        Assert.Equal(50, first.Items.Count);
        Assert.Equal(AuditService.CountCap, first.Total);
        Assert.True(first.MoreThanTotal);
        Assert.Equal(5, last.Items.Count);
    }

    [Theory]
    [InlineData(-1, 50)]
    [InlineData(0, 0)]
    [InlineData(0, AuditService.MaxPageSize + 1)]
    public async Task List_RefusesANegativeSkipAndAPageSizeOutOfRange(int skip, int take) =>
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _audit.ListAsync(new AuditFilter(), skip, take));

    private static AuditEntry Entry(string action = AuditActions.PolicyUpdated, string actor = "grace@contoso.com", string? targetType = "Policy",
        string? targetId = "pol-1", string? details = null, DateTimeOffset? at = null) => new()
    {
        At = at ?? Now,
        Actor = actor,
        Action = action,
        TargetType = targetType,
        TargetId = targetId,
        Details = details,
    };

    private Task AddAsync(params (string Details, DateTimeOffset At)[] entries) =>
        AddAsync(entries.Select(e => Entry(details: e.Details, at: e.At)).ToArray());

    /// <summary>Saves one entry at a time, in the order given (ids grow in that order).</summary>
    private async Task AddAsync(params AuditEntry[] entries)
    {
        await using var db = _database.CreateDbContext();
        foreach (var entry in entries)
        {
            db.AuditEntries.Add(entry);
            await db.SaveChangesAsync();
        }
    }

    private static List<string?> Details(AuditPage page) => page.Items.Select(e => e.Details).ToList();

    private static List<string?> TargetIds(AuditPage page) => page.Items.Select(e => e.TargetId).ToList();
}
