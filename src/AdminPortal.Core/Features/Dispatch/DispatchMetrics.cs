using System.Diagnostics.Metrics;
using AdminPortal.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace AdminPortal.Core.Features.Dispatch;

/// <summary>
/// The dispatcher's metrics (meter <c>AdminPortal.Dispatch</c>): attempts by outcome and their latency, recorded by
/// the dispatcher, and the outbox's depth and the age of its oldest due delivery, read from the database. A queue
/// reading is reused for <see cref="ReadingLifetime"/>, so scrapes and health probes cost at most one set of
/// queries per 5 seconds whoever asks and however often.
/// </summary>
public sealed class DispatchMetrics
{
    public const string MeterName = "AdminPortal.Dispatch";
    public static readonly TimeSpan ReadingLifetime = TimeSpan.FromSeconds(5);

    private readonly IDbContextFactory<PortalDbContext> _contexts;
    private readonly TimeProvider _time;
    private readonly ILogger<DispatchMetrics> _logger;
    private readonly Counter<long> _deliveries;
    private readonly Histogram<double> _duration;
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private volatile QueueReading? _last;

    public DispatchMetrics(IMeterFactory meters, IDbContextFactory<PortalDbContext> contexts, TimeProvider time, ILogger<DispatchMetrics> logger)
    {
        _contexts = contexts;
        _time = time;
        _logger = logger;
        var meter = meters.Create(MeterName);
        _deliveries = meter.CreateCounter<long>("adminportal.dispatch.deliveries", "{delivery}",
            "Delivery attempts by what followed from them: delivered, retry, dead_letter (refused or out of retries) or gone (410: the playbook was disabled).");
        _duration = meter.CreateHistogram("adminportal.dispatch.attempt.duration", "s",
            "How long an attempt took, from connecting to the first 4 KB of the answer, by outcome.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30] });
        meter.CreateObservableGauge("adminportal.dispatch.queue.depth", () => Observe(reading => (long)reading.Depth), "{delivery}",
            "Deliveries pending or in flight, due or not, including those waiting for a disabled playbook.");
        meter.CreateObservableGauge("adminportal.dispatch.oldest_due.age", () => Observe(reading => AgeOf(reading).TotalSeconds), "s",
            "How long the oldest due delivery of an enabled playbook has waited to be sent; 0 when none is due.");
    }

    /// <summary>The tag value of <paramref name="outcome"/>: delivered, retry, dead_letter or gone.</summary>
    public static string OutcomeTag(AttemptOutcome outcome) => outcome switch
    {
        AttemptOutcome.Delivered => "delivered",
        AttemptOutcome.Retry => "retry",
        AttemptOutcome.DeadLetter => "dead_letter",
        AttemptOutcome.Gone => "gone",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };

    /// <summary>One attempt and what followed from it (a retry past the schedule's end is a dead letter).</summary>
    public void RecordAttempt(AttemptOutcome outcome, TimeSpan duration)
    {
        var tag = new KeyValuePair<string, object?>("outcome", OutcomeTag(outcome));
        _deliveries.Add(1, tag);
        _duration.Record(duration.TotalSeconds, tag);
    }

    /// <summary>
    /// Deliveries pending or in flight, and how long the oldest due one (of an enabled playbook: the others wait for
    /// their playbook, not for the dispatcher) has waited: zero when none is due. At most <see cref="ReadingLifetime"/> old.
    /// </summary>
    public async Task<(int Depth, TimeSpan OldestDueAge)> QueueAsync(CancellationToken cancellationToken = default)
    {
        var reading = await ReadingAsync(cancellationToken);
        return (reading.Depth, AgeOf(reading));
    }

    private async Task<QueueReading> ReadingAsync(CancellationToken cancellationToken)
    {
        if (Fresh() is { } fresh)
            return fresh;
        await _refresh.WaitAsync(cancellationToken);
        try
        {
            // Whoever waited for the gate finds the reading the caller before it just made.
            if (Fresh() is { } refreshed)
                return refreshed;
            var reading = await ReadAsync(cancellationToken);
            _last = reading;
            return reading;
        }
        finally
        {
            _refresh.Release();
        }
    }

    private QueueReading? Fresh()
    {
        var last = _last;
        var now = _time.GetUtcNow();
        return last is not null && now >= last.ReadAt && now - last.ReadAt < ReadingLifetime ? last : null;
    }

    private async Task<QueueReading> ReadAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var depth = await db.Deliveries.CountAsync(d => d.State == DeliveryState.Pending || d.State == DeliveryState.InFlight, cancellationToken);
        // What the dispatcher would claim now (its Due rows of enabled playbooks): pending and due, or a lease that expired.
        var sendable = db.Deliveries.Where(d => db.Playbooks.Any(p => p.Id == d.PlaybookId && p.IsEnabled));
        var oldestPending = await sendable.Where(d => d.State == DeliveryState.Pending && d.NextAttemptAt <= now)
            .OrderBy(d => d.NextAttemptAt).Select(d => (DateTimeOffset?)d.NextAttemptAt).FirstOrDefaultAsync(cancellationToken);
        var oldestAbandoned = await sendable.Where(d => d.State == DeliveryState.InFlight && d.LeaseExpiresAt < now)
            .OrderBy(d => d.LeaseExpiresAt).Select(d => d.LeaseExpiresAt).FirstOrDefaultAsync(cancellationToken);
        DateTimeOffset? oldestDue = oldestPending is { } pending && oldestAbandoned is { } abandoned
            ? (pending < abandoned ? pending : abandoned)
            : oldestPending ?? oldestAbandoned;
        return new QueueReading(now, depth, oldestDue);
    }

    /// <summary>Counted from the reading's oldest due time to now, so the age keeps growing between readings.</summary>
    private TimeSpan AgeOf(QueueReading reading)
    {
        if (reading.OldestDueAt is not { } due)
            return TimeSpan.Zero;
        var age = _time.GetUtcNow() - due;
        return age > TimeSpan.Zero ? age : TimeSpan.Zero;
    }

    /// <summary>
    /// A gauge's value at collection. The scrape endpoint refreshes the reading asynchronously just before, so this
    /// waits on the database only for other listeners; when the database cannot be read the gauge reports nothing.
    /// </summary>
    private IEnumerable<Measurement<T>> Observe<T>(Func<QueueReading, T> value) where T : struct
    {
        QueueReading reading;
        try
        {
            reading = Fresh() ?? ReadingAsync(CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "The delivery queue could not be read for the dispatch metrics");
            return [];
        }
        return [new Measurement<T>(value(reading))];
    }

    private sealed record QueueReading(DateTimeOffset ReadAt, int Depth, DateTimeOffset? OldestDueAt);
}
