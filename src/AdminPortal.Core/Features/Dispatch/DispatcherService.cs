using AdminPortal.Core.Data;
using AdminPortal.Core.Features.Alerts;
using AdminPortal.Core.Features.Playbooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AdminPortal.Core.Features.Dispatch;

/// <summary>What the dispatcher does with a delivery after an attempt.</summary>
public enum AttemptOutcome { Delivered, Retry, DeadLetter, Gone }

/// <summary>
/// Sends the outbox: claims due deliveries with a conditional update (lease owner and expiry), so instances sharing
/// a database never send one delivery at the same time and a crashed instance's work is taken over when its lease
/// expires; sends each through <see cref="DeliverySender"/>, within a global and a per-playbook concurrency limit
/// so a playbook that hangs cannot hold up the others; records every attempt and schedules retries.
/// Woken at once by committed alerts (<see cref="AlertSignal"/>) and <see cref="DispatchSignal"/>; polls otherwise.
/// </summary>
public sealed class DispatcherService(
    IDbContextFactory<PortalDbContext> contexts, DeliverySender sender, PlaybookSecrets secrets, AlertSignal alerts, DispatchSignal signal,
    DispatchMetrics metrics, IOptions<DispatchOptions> options, TimeProvider time, ILogger<DispatcherService> logger) : BackgroundService
{
    private readonly string _instance = $"{Environment.MachineName[..Math.Min(40, Environment.MachineName.Length)]}/{Guid.NewGuid():N}";
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, int> _perPlaybook = [];
    private readonly HashSet<Task> _sending = [];
    /// <summary>
    /// Finished attempts, written by one loop in batches: one transaction for many outcomes, and no sender thread
    /// waiting on SQLite's write lock (which starved the thread pool when every sender wrote its own outcome).
    /// </summary>
    private readonly System.Threading.Channels.Channel<Completion> _completions =
        System.Threading.Channels.Channel.CreateUnbounded<Completion>(new() { SingleReader = true });

    /// <summary>
    /// The claim and the outcome writer take turns here instead of at the database: SQLite makes a waiting writer
    /// sleep in steps of milliseconds, which set the pace of the whole dispatcher.
    /// </summary>
    private readonly SemaphoreSlim _writes = new(1, 1);

    private sealed record Completion(Delivery Delivery, string Lease, DateTimeOffset Started, AttemptResult Result);
    private DateTimeOffset _nextCleanup = DateTimeOffset.MinValue;

    public static AttemptOutcome Classify(AttemptResult result) => result switch
    {
        { Succeeded: true } => AttemptOutcome.Delivered,
        // Refused by the network rules: waiting will not change the configuration; replay after changing it.
        { Refused: true } => AttemptOutcome.DeadLetter,
        { StatusCode: 410 } => AttemptOutcome.Gone,
        { StatusCode: null } => AttemptOutcome.Retry,
        { StatusCode: 408 or 425 or 429 or >= 500 } => AttemptOutcome.Retry,
        _ => AttemptOutcome.DeadLetter,
    };

    /// <summary>
    /// The delay before the next attempt after <paramref name="attempts"/> failed ones, with jitter; null when the
    /// schedule is used up. A <c>Retry-After</c> is honoured within bounds: at least the scheduled delay, at most twice it.
    /// </summary>
    public static TimeSpan? NextDelay(int attempts, TimeSpan? retryAfter, DispatchOptions settings, Random random)
    {
        var schedule = settings.EffectiveSchedule();
        if (attempts >= schedule.Count)
            return null;
        var scheduled = schedule[attempts];
        var jittered = scheduled * (1 + settings.Jitter * (2 * random.NextDouble() - 1));
        if (retryAfter is { } asked && asked > jittered)
            return asked < 2 * scheduled ? asked : 2 * scheduled;
        return jittered;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
            return;
        alerts.Raised += OnAlerts;
        var writer = WriteCompletionsAsync();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await ClaimAndSendAsync(stoppingToken);
                    await CleanupAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    // A database that is briefly away must not stop the dispatcher: try again at the next poll.
                    logger.LogError(e, "Dispatch pass failed; retrying at the next poll");
                }
                await signal.WaitAsync(options.Value.PollInterval, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            alerts.Raised -= OnAlerts;
            Task[] sending;
            lock (_gate)
                sending = [.. _sending];
            // In-flight sends see the cancellation and hand their deliveries back (ReleaseAsync); finished ones are written.
            await Task.WhenAll(sending);
            _completions.Writer.Complete();
            await writer;
        }
    }

    private void OnAlerts(IReadOnlyList<Alert> raised) => signal.Wake();

    /// <summary>Claims as many due deliveries as there is room for, and starts sending them.</summary>
    private async Task ClaimAndSendAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        int free;
        lock (_gate)
            free = settings.MaxConcurrency - _sending.Count;
        if (free <= 0)
            return;

        List<Guid> full;
        lock (_gate)
            full = _perPlaybook.Where(p => p.Value >= settings.PerPlaybookConcurrency).Select(p => p.Key).ToList();
        var now = time.GetUtcNow();
        await using var db = await contexts.CreateDbContextAsync(stoppingToken);
        // A playbook at its cap is left out of the queries themselves: its backlog must not fill the page of
        // candidates and starve the others (a playbook that never answers keeps a long queue).
        // Two index-friendly queries (state + next attempt; state + lease expiry) rather than one with an OR.
        var candidates = await Claimable(db, db.Deliveries.Where(d => d.State == DeliveryState.Pending && d.NextAttemptAt <= now), full)
            .OrderBy(d => d.NextAttemptAt).Select(d => new { d.Id, d.PlaybookId }).Take(free * 4).ToListAsync(stoppingToken);
        if (candidates.Count < free * 4)
            candidates.AddRange(await Claimable(db, db.Deliveries.Where(d => d.State == DeliveryState.InFlight && d.LeaseExpiresAt < now), full)
                .OrderBy(d => d.LeaseExpiresAt).Select(d => new { d.Id, d.PlaybookId }).Take(free * 4 - candidates.Count).ToListAsync(stoppingToken));

        var picked = new List<Guid>();
        lock (_gate)
        {
            var taken = new Dictionary<Guid, int>();
            foreach (var candidate in candidates)
            {
                var busy = _perPlaybook.GetValueOrDefault(candidate.PlaybookId) + taken.GetValueOrDefault(candidate.PlaybookId);
                if (picked.Count >= free || busy >= settings.PerPlaybookConcurrency)
                    continue;
                taken[candidate.PlaybookId] = taken.GetValueOrDefault(candidate.PlaybookId) + 1;
                picked.Add(candidate.Id);
            }
        }
        if (picked.Count == 0)
            return;

        // One conditional UPDATE: a row another instance claimed meanwhile no longer matches and is not ours.
        var lease = $"{_instance}/{Guid.NewGuid():N}";
        await _writes.WaitAsync(stoppingToken);
        try
        {
            await Due(db, now).Where(d => picked.Contains(d.Id)).ExecuteUpdateAsync(set => set
                .SetProperty(d => d.State, DeliveryState.InFlight)
                .SetProperty(d => d.LeaseOwner, lease)
                .SetProperty(d => d.LeaseExpiresAt, now + settings.LeaseDuration), stoppingToken);
        }
        finally
        {
            _writes.Release();
        }
        var claimed = await db.Deliveries.AsNoTracking().Where(d => picked.Contains(d.Id) && d.LeaseOwner == lease).ToListAsync(stoppingToken);
        var targets = await TargetsAsync(db, claimed.Select(d => d.PlaybookId).Distinct().ToList(), stoppingToken);

        lock (_gate)
        {
            foreach (var delivery in claimed)
            {
                _perPlaybook[delivery.PlaybookId] = _perPlaybook.GetValueOrDefault(delivery.PlaybookId) + 1;
                // Started on the pool: the first steps of a send must not run inside this lock.
                var task = Task.Run(() => SendAsync(delivery, targets.GetValueOrDefault(delivery.PlaybookId), lease, stoppingToken), CancellationToken.None);
                _sending.Add(task);
                _ = task.ContinueWith(finished =>
                {
                    lock (_gate)
                    {
                        _sending.Remove(finished);
                        if (--_perPlaybook[delivery.PlaybookId] == 0)
                            _perPlaybook.Remove(delivery.PlaybookId);
                    }
                    signal.Wake();
                }, TaskScheduler.Default);
            }
        }
    }

    private static IQueryable<Delivery> Claimable(PortalDbContext db, IQueryable<Delivery> due, List<Guid> fullPlaybooks) =>
        due.Where(d => !fullPlaybooks.Contains(d.PlaybookId) && db.Playbooks.Any(p => p.Id == d.PlaybookId && p.IsEnabled));

    private static IQueryable<Delivery> Due(PortalDbContext db, DateTimeOffset now) =>
        db.Deliveries.Where(d => (d.State == DeliveryState.Pending && d.NextAttemptAt <= now)
                                 || (d.State == DeliveryState.InFlight && d.LeaseExpiresAt < now));

    private async Task SendAsync(Delivery delivery, DeliveryTarget? target, string lease, CancellationToken stoppingToken)
    {
        try
        {
            var started = time.GetUtcNow();
            var result = target is null
                ? new AttemptResult(null, "The playbook's URL or secret could not be read (Data Protection keys missing?).", null, null, TimeSpan.Zero, Refused: true)
                : await sender.SendAsync(target, delivery.Id, delivery.Payload, stoppingToken);
            await _completions.Writer.WriteAsync(new Completion(delivery, lease, started, result), CancellationToken.None);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            await ReleaseAsync(delivery.Id, lease);
        }
        catch (Exception e)
        {
            // Never lose a delivery to a bug: its lease expires and it is sent again.
            logger.LogError(e, "Delivery {DeliveryId} could not be completed; it will be retried when its lease expires", delivery.Id);
        }
    }

    /// <summary>The claimed playbooks' URLs, headers and secrets, read and decrypted once per pass.</summary>
    private async Task<Dictionary<Guid, DeliveryTarget>> TargetsAsync(PortalDbContext db, List<Guid> playbookIds, CancellationToken cancellationToken)
    {
        var targets = new Dictionary<Guid, DeliveryTarget>();
        var now = time.GetUtcNow();
        foreach (var playbook in await db.Playbooks.AsNoTracking().Where(p => playbookIds.Contains(p.Id)).ToListAsync(cancellationToken))
        {
            try
            {
                var keys = new List<string> { secrets.Unprotect(playbook.SigningSecretEncrypted) };
                if (playbook.PreviousSigningSecretEncrypted is { } previous && playbook.PreviousSecretExpiresAt > now)
                    keys.Add(secrets.Unprotect(previous));
                targets[playbook.Id] = new DeliveryTarget(new Uri(secrets.Unprotect(playbook.CallbackUrlEncrypted)), playbook.HeaderName,
                    playbook.HeaderValueEncrypted is { } header ? secrets.Unprotect(header) : null, keys);
            }
            catch (System.Security.Cryptography.CryptographicException e)
            {
                logger.LogError("Playbook {PlaybookId}'s URL or secret cannot be decrypted: {Reason}", playbook.Id, e.Message);
            }
        }
        return targets;
    }

    /// <summary>Writes finished attempts as they come, in batches, until the dispatcher stops and the last are written.</summary>
    private async Task WriteCompletionsAsync()
    {
        var reader = _completions.Reader;
        while (await reader.WaitToReadAsync())
        {
            var batch = new List<Completion>();
            while (batch.Count < 500 && reader.TryRead(out var completion))
                batch.Add(completion);
            try
            {
                await RecordAsync(batch);
            }
            catch (Exception e)
            {
                // Their leases expire and they are sent again: at least once, never lost.
                logger.LogError(e, "Could not record {Count} finished deliveries; they will be retried when their leases expire", batch.Count);
            }
        }
    }

    /// <summary>Stores each attempt and what follows from it: delivered, retried later, dead-lettered, or the playbook disabled.</summary>
    private async Task RecordAsync(IReadOnlyList<Completion> batch)
    {
        var settings = options.Value;
        var now = time.GetUtcNow();
        await using var db = await contexts.CreateDbContextAsync();
        var ids = batch.Select(c => c.Delivery.Id).ToList();
        var deliveries = await db.Deliveries.Where(d => ids.Contains(d.Id)).ToDictionaryAsync(d => d.Id);
        var playbookIds = batch.Select(c => c.Delivery.PlaybookId).Distinct().ToList();
        var playbooks = await db.Playbooks.Where(p => playbookIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id);
        var gone = new List<Guid>();
        foreach (var (claimed, lease, started, result) in batch)
        {
            if (!deliveries.TryGetValue(claimed.Id, out var delivery))
                continue; // its alert or playbook was deleted meanwhile
            db.DeliveryAttempts.Add(new DeliveryAttempt
            {
                DeliveryId = delivery.Id, StartedAt = started, DurationMs = (int)result.Duration.TotalMilliseconds, StatusCode = result.StatusCode,
                Error = Truncate(result.Error, 2000), ResponseBody = result.ResponseBody,
            });
            var outcome = Classify(result);
            if (playbooks.TryGetValue(delivery.PlaybookId, out var playbook))
                UpdateHealth(playbook, result, outcome, now, settings);
            if (outcome == AttemptOutcome.Gone)
                gone.Add(delivery.PlaybookId);

            // Only the lease holder moves the delivery on; a late answer after a takeover is still logged above.
            if (delivery.LeaseOwner != lease)
                continue;
            delivery.AttemptCount++;
            delivery.LastStatusCode = result.StatusCode;
            delivery.LastError = Truncate(result.Error, 2000);
            delivery.LeaseOwner = null;
            delivery.LeaseExpiresAt = null;
            var delay = outcome == AttemptOutcome.Retry ? NextDelay(delivery.AttemptCount, result.RetryAfter, settings, Random.Shared) : null;
            // A retry with the schedule used up is a dead letter.
            metrics.RecordAttempt(outcome == AttemptOutcome.Retry && delay is null ? AttemptOutcome.DeadLetter : outcome, result.Duration);
            switch (outcome)
            {
                case AttemptOutcome.Delivered:
                    delivery.State = DeliveryState.Delivered;
                    delivery.CompletedAt = now;
                    break;
                case AttemptOutcome.Retry when delay is { } wait:
                    delivery.State = DeliveryState.Pending;
                    delivery.NextAttemptAt = now + wait;
                    break;
                default:
                    delivery.State = DeliveryState.DeadLettered;
                    delivery.CompletedAt = now;
                    break;
            }
        }
        await _writes.WaitAsync();
        try
        {
            await db.SaveChangesAsync();
        }
        finally
        {
            _writes.Release();
        }
        foreach (var playbookId in gone.Distinct())
            logger.LogWarning("Playbook {PlaybookId} answered 410 Gone: disabled", playbookId);
    }

    private static void UpdateHealth(Playbook playbook, AttemptResult result, AttemptOutcome outcome, DateTimeOffset now, DispatchOptions settings)
    {
        var health = playbook.Health;
        health.LastDeliveryAt = now;
        health.LastStatusCode = result.StatusCode;
        if (outcome == AttemptOutcome.Delivered)
        {
            health.LastSuccessAt = now;
            health.ConsecutiveFailures = 0;
            return;
        }
        health.ConsecutiveFailures++;
        if (outcome == AttemptOutcome.Gone)
            Disable(playbook, "Endpoint gone: it answered 410 (its flow was deleted or turned off).", now);
        else if ((health.LastSuccessAt ?? playbook.CreatedAt) < now - settings.DisableAfterNoSuccess)
            Disable(playbook, $"No successful delivery for {settings.DisableAfterNoSuccess.TotalDays:0.#} days.", now);
    }

    private static void Disable(Playbook playbook, string reason, DateTimeOffset now)
    {
        if (!playbook.IsEnabled)
            return;
        playbook.IsEnabled = false;
        playbook.Health.DisabledReason = reason;
        playbook.UpdatedAt = now;
    }

    /// <summary>Shutting down mid-send: the delivery goes back to the queue at once, the attempt uncounted.</summary>
    private async Task ReleaseAsync(Guid deliveryId, string lease)
    {
        try
        {
            await using var db = await contexts.CreateDbContextAsync();
            await db.Deliveries.Where(d => d.Id == deliveryId && d.LeaseOwner == lease).ExecuteUpdateAsync(set => set
                .SetProperty(d => d.State, DeliveryState.Pending)
                .SetProperty(d => d.LeaseOwner, (string?)null)
                .SetProperty(d => d.LeaseExpiresAt, (DateTimeOffset?)null));
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Could not hand delivery {DeliveryId} back at shutdown; its lease expires instead", deliveryId);
        }
    }

    /// <summary>Attempt rows past the retention, at most once an hour.</summary>
    private async Task CleanupAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (now < _nextCleanup)
            return;
        _nextCleanup = now + TimeSpan.FromHours(1);
        var cutoff = now - options.Value.AttemptRetention;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var deleted = await db.DeliveryAttempts.Where(a => a.StartedAt < cutoff).ExecuteDeleteAsync(cancellationToken);
        if (deleted > 0)
            logger.LogInformation("Deleted {Count} delivery attempt rows older than {Cutoff}", deleted, cutoff);
    }

    private static string? Truncate(string? text, int length) => text is null || text.Length <= length ? text : text[..length];
}
