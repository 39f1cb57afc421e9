using System.Data.Common;
using System.Diagnostics.Metrics;
using AdminPortal.Core.Features.Dispatch;
using AdminPortal.Core.Features.Playbooks;
using AdminPortal.Core.Features.Users;
using AdminPortal.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace AdminPortal.UnitTests.Dispatch;

/// <summary>The queue gauges' reading (depth, oldest due delivery) on a real SQLite file, and the attempt instruments.</summary>
public sealed class DispatchMetricsTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Start);
    private readonly CommandCounter _commands = new();
    private readonly TestMeterFactory _meters = new();
    private TestDatabase _database = null!;
    private DispatchMetrics _metrics = null!;
    private Guid _owner;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _metrics = new DispatchMetrics(_meters, _database.With(_commands), _time, NullLogger<DispatchMetrics>.Instance);
        await using var db = _database.CreateDbContext();
        var owner = new User { Upn = "owner@contoso.com", Role = PortalRole.GlobalAdmin, CreatedAt = Start };
        db.Users.Add(owner);
        await db.SaveChangesAsync();
        _owner = owner.Id;
    }

    public async Task DisposeAsync()
    {
        _meters.Dispose();
        await _database.DisposeAsync();
    }

    private async Task<Guid> AddPlaybookAsync(bool enabled = true)
    {
        await using var db = _database.CreateDbContext();
        var playbook = new Playbook
        {
            Name = "Receiver", OwnerId = _owner, CallbackUrlEncrypted = "x", CallbackUrlHash = new byte[32], CallbackUrlMasked = "https://receiver.example/",
            SigningSecretEncrypted = "x", IsEnabled = enabled, CreatedAt = Start, UpdatedAt = Start,
        };
        db.Playbooks.Add(playbook);
        await db.SaveChangesAsync();
        return playbook.Id;
    }

    private async Task AddDeliveryAsync(Guid playbookId, DeliveryState state, DateTimeOffset nextAttemptAt, DateTimeOffset? leaseExpiresAt = null)
    {
        await using var db = _database.CreateDbContext();
        db.Deliveries.Add(new Delivery
        {
            PlaybookId = playbookId, Payload = "{}", State = state, NextAttemptAt = nextAttemptAt, CreatedAt = Start,
            LeaseOwner = leaseExpiresAt is null ? null : "elsewhere", LeaseExpiresAt = leaseExpiresAt,
        });
        await db.SaveChangesAsync();
    }

    /// <summary>Collects the observable gauges once, as an exporter does, by instrument name.</summary>
    private Dictionary<string, double> ObserveGauges()
    {
        var values = new Dictionary<string, double>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == _meters)
                    l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => values[instrument.Name] = value);
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => values[instrument.Name] = value);
        listener.Start();
        listener.RecordObservableInstruments();
        return values;
    }

    [Fact]
    public async Task QueueReading_IsReusedForFiveSeconds_ThenReadAgain()
    {
        Assert.Equal((0, TimeSpan.Zero), await _metrics.QueueAsync());
        var queries = _commands.Count;
        Assert.True(queries > 0);

        await AddDeliveryAsync(await AddPlaybookAsync(), DeliveryState.Pending, Start);
        Assert.Equal(0, (await _metrics.QueueAsync()).Depth);
        Assert.Equal(0, ObserveGauges()["adminportal.dispatch.queue.depth"]);
        _time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.Equal(0, (await _metrics.QueueAsync()).Depth);
        Assert.Equal(queries, _commands.Count);

        _time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal((1, TimeSpan.FromSeconds(5)), await _metrics.QueueAsync());
        Assert.True(_commands.Count > queries);
    }

    [Fact]
    public async Task Gauges_ReadTheQueueOnce_WhenScrapedAgainWithinFiveSeconds()
    {
        await AddDeliveryAsync(await AddPlaybookAsync(), DeliveryState.Pending, Start);
        _time.Advance(TimeSpan.FromSeconds(90));

        var first = ObserveGauges();
        var queries = _commands.Count;
        _time.Advance(TimeSpan.FromSeconds(2));
        var second = ObserveGauges();

        Assert.Equal(1, first["adminportal.dispatch.queue.depth"]);
        Assert.Equal(90, first["adminportal.dispatch.oldest_due.age"]);
        Assert.Equal(queries, _commands.Count);
        // The age goes on counting from the reading's oldest due time.
        Assert.Equal(92, second["adminportal.dispatch.oldest_due.age"]);
    }

    [Fact]
    public async Task OldestDueAge_CountsPendingDueAndExpiredLeases_OfEnabledPlaybooksOnly()
    {
        var enabled = await AddPlaybookAsync();
        var disabled = await AddPlaybookAsync(enabled: false);
        _time.Advance(TimeSpan.FromMinutes(10));
        var now = _time.GetUtcNow();
        await AddDeliveryAsync(disabled, DeliveryState.Pending, now - TimeSpan.FromMinutes(5)); // waits for its playbook, not the dispatcher
        await AddDeliveryAsync(enabled, DeliveryState.Pending, now + TimeSpan.FromMinutes(1)); // a retry not yet due
        await AddDeliveryAsync(enabled, DeliveryState.Pending, now - TimeSpan.FromSeconds(30));
        await AddDeliveryAsync(enabled, DeliveryState.InFlight, now - TimeSpan.FromMinutes(3), leaseExpiresAt: now - TimeSpan.FromSeconds(45)); // its instance died
        await AddDeliveryAsync(enabled, DeliveryState.InFlight, now - TimeSpan.FromMinutes(4), leaseExpiresAt: now + TimeSpan.FromSeconds(20)); // being sent
        await AddDeliveryAsync(enabled, DeliveryState.Delivered, now - TimeSpan.FromMinutes(9));
        await AddDeliveryAsync(enabled, DeliveryState.DeadLettered, now - TimeSpan.FromMinutes(9));

        var (depth, age) = await _metrics.QueueAsync();

        Assert.Equal(5, depth);
        Assert.Equal(TimeSpan.FromSeconds(45), age);
    }

    [Fact]
    public async Task Gauges_WhenTheDatabaseCannotBeRead_ReportNothing_AndQueueAsyncThrows()
    {
        await using (var db = _database.CreateDbContext())
            await db.Database.ExecuteSqlRawAsync("DROP TABLE \"Deliveries\"");

        Assert.Empty(ObserveGauges());
        await Assert.ThrowsAnyAsync<DbException>(() => _metrics.QueueAsync());
    }

    [Fact]
    public void RecordAttempt_CountsByOutcome_AndRecordsTheDurationInSeconds()
    {
        var counted = new List<(long Value, string? Outcome)>();
        var timed = new List<(double Value, string? Outcome)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == _meters)
                    l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) => counted.Add((value, Outcome(tags))));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            if (instrument.Name == "adminportal.dispatch.attempt.duration")
                timed.Add((value, Outcome(tags)));
        });
        listener.Start();

        _metrics.RecordAttempt(AttemptOutcome.Gone, TimeSpan.FromMilliseconds(250));
        _metrics.RecordAttempt(AttemptOutcome.Retry, TimeSpan.FromSeconds(15));

        Assert.Equal([(1L, "gone"), (1L, "retry")], counted);
        Assert.Equal([(0.25, "gone"), (15.0, "retry")], timed);
    }

    private static string? Outcome(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == "outcome")
                return tag.Value as string;
        }
        return null;
    }

    private sealed class CommandCounter : DbCommandInterceptor
    {
        private int _count;
        public int Count => Volatile.Read(ref _count);

        public override DbCommand CommandCreated(CommandEndEventData eventData, DbCommand result)
        {
            Interlocked.Increment(ref _count);
            return result;
        }
    }

    /// <summary>Meters of this test only (<see cref="Meter.Scope"/> is the factory), as the host's factory makes them.</summary>
    private sealed class TestMeterFactory : IMeterFactory
    {
        private readonly List<Meter> _created = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(new MeterOptions(options.Name) { Version = options.Version, Tags = options.Tags, Scope = this });
            lock (_created)
                _created.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            lock (_created)
            {
                foreach (var meter in _created)
                    meter.Dispose();
                _created.Clear();
            }
        }
    }
}
