using AdminPortal.Core.Data;
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
/// so a playbook that hangs cannot hold up the others (<see cref="DispatchSlots"/>); records every attempt and
/// schedules retries. New alerts' deliveries usually need no claim: the ingest batch leases them to this instance in
/// its own transaction and hands them over at commit (<see cref="Lease"/>). Claim passes run when woken
/// (<see cref="DispatchSignal"/>: a replay, a test alert, room for a playbook with deliveries left pending) and on
/// every poll (retries, expired leases, other instances' alerts).
/// </summary>
public sealed class DispatcherService(
    IDbContextFactory<PortalDbContext> contexts, DeliverySender sender, PlaybookSecrets secrets, DispatchSignal signal,
    SqliteWriteGate writes, DispatchMetrics metrics, IOptions<DispatchOptions> options, TimeProvider time, ILogger<DispatcherService> logger)
    : BackgroundService
{
    /// <summary>Candidates read per claim pass at most.</summary>
    private const int MaxClaim = 1_000;

    private readonly string _instance = $"{Environment.MachineName[..Math.Min(40, Environment.MachineName.Length)]}/{Guid.NewGuid():N}";
    /// <summary>Set while running.</summary>
    private volatile DispatchSlots? _slots;
    /// <summary>Decrypted playbook targets, reused while the playbook's stored values are unchanged. Locked: ingest batches use it too.</summary>
    private readonly Dictionary<Guid, (PlaybookKeys Keys, DeliveryTarget Target)> _targets = [];

    /// <summary>
    /// Finished attempts, written by one loop in batches: one transaction for many outcomes, and no sender thread
    /// waiting on SQLite's write lock (which starved the thread pool when every sender wrote its own outcome).
    /// </summary>
    private readonly System.Threading.Channels.Channel<Completion> _completions =
        System.Threading.Channels.Channel.CreateUnbounded<Completion>(new() { SingleReader = true });

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
        // A finished send of a playbook with deliveries left behind calls for a pass, which tops the waiting list up.
        var slots = new DispatchSlots(options.Value, time, claimed => SendAsync(claimed, stoppingToken), signal.Wake);
        _slots = slots;
        var writer = WriteCompletionsAsync();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await ClaimAndSendAsync(slots, stoppingToken);
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
            var (unsent, sending) = slots.Stop();
            // Claimed but not started, and in-flight sends (which see the cancellation) go back to the queue at once;
            // finished ones are written.
            await ReleaseAsync(unsent);
            await Task.WhenAll(sending);
            _completions.Writer.Complete();
            await writer;
        }
    }

    /// <summary>
    /// Inside the transaction that writes <paramref name="deliveries"/> (an ingest batch): leases to this instance those
    /// it has room for, setting their lease columns before they are inserted. Null when the dispatcher is not running.
    /// </summary>
    public DeliveryHandoff? Lease(IReadOnlyList<Delivery> deliveries, IReadOnlyList<PlaybookKeys> playbooks, DateTimeOffset now)
    {
        if (_slots is not { } slots || deliveries.Count == 0)
            return null;
        var targets = new Dictionary<Guid, DeliveryTarget>();
        foreach (var keys in playbooks)
            if (Target(keys, now) is { } target)
                targets[keys.Id] = target;
        // A playbook whose target cannot be read is left to a claim pass, which records why.
        var candidates = deliveries.Where(d => targets.ContainsKey(d.PlaybookId)).ToList();
        var granted = slots.Reserve(candidates.Select(d => d.PlaybookId).ToList());
        var lease = $"{_instance}/{Guid.NewGuid():N}";
        var leaseExpiresAt = now + options.Value.LeaseDuration;
        var leased = new List<Claimed>();
        var leftPending = deliveries.Where(d => !targets.ContainsKey(d.PlaybookId)).Select(d => d.PlaybookId).ToHashSet();
        for (var i = 0; i < candidates.Count; i++)
        {
            if (!granted[i])
            {
                leftPending.Add(candidates[i].PlaybookId);
                continue;
            }
            var delivery = candidates[i];
            delivery.State = DeliveryState.InFlight;
            delivery.LeaseOwner = lease;
            delivery.LeaseExpiresAt = leaseExpiresAt;
            leased.Add(new Claimed(delivery, targets[delivery.PlaybookId], lease, leaseExpiresAt));
        }
        return new DeliveryHandoff(slots, leased, leftPending);
    }

    /// <summary>
    /// Claims due deliveries, oldest first, as far ahead as <see cref="DispatchSlots"/> allows, and hands them over
    /// to be sent.
    /// </summary>
    private async Task ClaimAndSendAsync(DispatchSlots slots, CancellationToken stoppingToken)
    {
        var (room, full) = slots.BeginPass();
        var incomplete = true;
        var behind = new List<Guid>();
        try
        {
            if (room <= 0)
                return;
            var page = Math.Min(room, MaxClaim);
            var fullPlaybooks = full.ToList();
            var now = time.GetUtcNow();
            await using var db = await contexts.CreateDbContextAsync(stoppingToken);
            // A playbook that may not have more is left out of the queries themselves: its backlog must not fill the page
            // of candidates and starve the others (a playbook that never answers keeps a long queue).
            // Two index-friendly queries (state + next attempt; state + lease expiry) rather than one with an OR.
            var candidates = await Claimable(db, db.Deliveries.Where(d => d.State == DeliveryState.Pending && d.NextAttemptAt <= now), fullPlaybooks)
                .OrderBy(d => d.NextAttemptAt).Select(d => new { d.Id, d.PlaybookId }).Take(page).ToListAsync(stoppingToken);
            if (candidates.Count < page)
            {
                var rest = page - candidates.Count;
                candidates.AddRange(await Claimable(db, db.Deliveries.Where(d => d.State == DeliveryState.InFlight && d.LeaseExpiresAt < now), fullPlaybooks)
                    .OrderBy(d => d.LeaseExpiresAt).Select(d => new { d.Id, d.PlaybookId }).Take(rest).ToListAsync(stoppingToken));
            }
            var picked = slots.Pick(candidates.Select(c => (c.Id, c.PlaybookId)), page);
            var pickedIds = picked.ToHashSet();
            behind.AddRange(candidates.Where(c => !pickedIds.Contains(c.Id)).Select(c => c.PlaybookId).Distinct());
            incomplete = candidates.Count >= page;
            if (picked.Count == 0)
                return;

            // A conditional update: a row another instance claimed meanwhile no longer matches and is not ours.
            var lease = $"{_instance}/{Guid.NewGuid():N}";
            var leaseExpiresAt = now + options.Value.LeaseDuration;
            List<Delivery> claimed;
            using (await writes.EnterAsync(stoppingToken))
                claimed = await DeliveryWriter.ClaimAsync(db, picked, lease, leaseExpiresAt, now, stoppingToken);
            var targets = await TargetsAsync(db, claimed.Select(d => d.PlaybookId).Distinct().ToList(), stoppingToken);
            slots.Add(claimed.OrderBy(d => d.NextAttemptAt).Select(d => new Claimed(d, targets.GetValueOrDefault(d.PlaybookId), lease, leaseExpiresAt)));
        }
        finally
        {
            // Interrupted (the database away), page full or nothing to claim into: the next finished send calls for another pass.
            slots.EndPass(incomplete, behind);
        }
    }

    private static IQueryable<Delivery> Claimable(PortalDbContext db, IQueryable<Delivery> due, List<Guid> fullPlaybooks) =>
        due.Where(d => !fullPlaybooks.Contains(d.PlaybookId) && db.Playbooks.Any(p => p.Id == d.PlaybookId && p.IsEnabled));

    private async Task SendAsync(Claimed claimed, CancellationToken stoppingToken)
    {
        var (delivery, target, lease, _) = claimed;
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
            await ReleaseAsync([claimed]);
        }
        catch (Exception e)
        {
            // Never lose a delivery to a bug: its lease expires and it is sent again.
            logger.LogError(e, "Delivery {DeliveryId} could not be completed; it will be retried when its lease expires", delivery.Id);
        }
    }

    /// <summary>The claimed playbooks' URLs, headers and secrets, read once per pass.</summary>
    private async Task<Dictionary<Guid, DeliveryTarget>> TargetsAsync(PortalDbContext db, List<Guid> playbookIds, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var targets = new Dictionary<Guid, DeliveryTarget>();
        foreach (var keys in await db.Playbooks.AsNoTracking().Where(p => playbookIds.Contains(p.Id)).Select(PlaybookKeys.Of).ToListAsync(cancellationToken))
            if (Target(keys, now) is { } target)
                targets[keys.Id] = target;
        return targets;
    }

    /// <summary>
    /// A playbook's decrypted target: decrypted only when its stored values changed (a new URL or secret, a rotation)
    /// or its previous secret expired; null when it cannot be decrypted.
    /// </summary>
    private DeliveryTarget? Target(PlaybookKeys keys, DateTimeOffset now)
    {
        var current = keys with { PreviousSecret = keys.PreviousExpiresAt > now ? keys.PreviousSecret : null };
        lock (_targets)
        {
            if (_targets.TryGetValue(keys.Id, out var cached) && cached.Keys == current)
                return cached.Target;
            try
            {
                var signingKeys = new List<string> { secrets.Unprotect(current.Secret) };
                if (current.PreviousSecret is { } previous)
                    signingKeys.Add(secrets.Unprotect(previous));
                var target = new DeliveryTarget(new Uri(secrets.Unprotect(current.Url)), current.HeaderName,
                    current.Header is { } header ? secrets.Unprotect(header) : null, signingKeys);
                _targets[keys.Id] = (current, target);
                return target;
            }
            catch (System.Security.Cryptography.CryptographicException e)
            {
                logger.LogError("Playbook {PlaybookId}'s URL or secret cannot be decrypted: {Reason}", keys.Id, e.Message);
                return null;
            }
        }
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
        var current = await db.Deliveries.AsNoTracking().Where(d => ids.Contains(d.Id))
            .Select(d => new { d.Id, d.PlaybookId, d.LeaseOwner, d.AttemptCount }).ToDictionaryAsync(d => d.Id);
        var playbookIds = batch.Select(c => c.Delivery.PlaybookId).Distinct().ToList();
        var playbooks = await db.Playbooks.Where(p => playbookIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id);
        var attempts = new List<DeliveryAttempt>();
        var moves = new List<DeliveryMove>();
        var gone = new List<Guid>();
        foreach (var (claimed, lease, started, result) in batch)
        {
            if (!current.TryGetValue(claimed.Id, out var delivery))
                continue; // its alert or playbook was deleted meanwhile
            attempts.Add(new DeliveryAttempt
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
            var attemptCount = delivery.AttemptCount + 1;
            var delay = outcome == AttemptOutcome.Retry ? NextDelay(attemptCount, result.RetryAfter, settings, Random.Shared) : null;
            // A retry with the schedule used up is a dead letter.
            metrics.RecordAttempt(outcome == AttemptOutcome.Retry && delay is null ? AttemptOutcome.DeadLetter : outcome, result.Duration);
            var (state, next, completed) = outcome switch
            {
                AttemptOutcome.Delivered => (DeliveryState.Delivered, (DateTimeOffset?)null, (DateTimeOffset?)now),
                AttemptOutcome.Retry when delay is { } wait => (DeliveryState.Pending, now + wait, null),
                _ => (DeliveryState.DeadLettered, null, now),
            };
            moves.Add(new DeliveryMove(delivery.Id, lease, state, attemptCount, next, completed, result.StatusCode, Truncate(result.Error, 2000)));
        }
        using (await writes.EnterAsync())
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            await DeliveryWriter.RecordAsync(db, attempts, moves, CancellationToken.None);
            await db.SaveChangesAsync();
            await transaction.CommitAsync();
        }
        foreach (var playbookId in gone.Distinct())
            logger.LogWarning("Playbook {PlaybookId} answered 410 Gone: disabled", playbookId);
    }

    internal static void UpdateHealth(Playbook playbook, AttemptResult result, AttemptOutcome outcome, DateTimeOffset now, DispatchOptions settings)
    {
        var health = playbook.Health;
        health.LastDeliveryAt = now;
        health.LastStatusCode = result.StatusCode;
        if (outcome == AttemptOutcome.Delivered)
        {
            health.LastSuccessAt = now;
            health.ConsecutiveFailures = 0;
            health.FailingSince = null;
            return;
        }
        health.ConsecutiveFailures++;
        // Counted from the first failure, not the last success: a playbook that was merely quiet is not disabled by one failure.
        health.FailingSince ??= now;
        if (outcome == AttemptOutcome.Gone)
            Disable(playbook, "Endpoint gone: it answered 410 (its flow was deleted or turned off).", now);
        else if (health.FailingSince < now - settings.DisableAfterNoSuccess)
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

    /// <summary>Shutting down: claimed deliveries not yet answered go back to the queue at once, the attempt uncounted.</summary>
    private async Task ReleaseAsync(IReadOnlyList<Claimed> claimed)
    {
        if (claimed.Count == 0)
            return;
        var ids = claimed.Select(c => c.Delivery.Id).ToList();
        var leases = claimed.Select(c => c.Lease).Distinct().ToList();
        try
        {
            await using var db = await contexts.CreateDbContextAsync();
            await db.Deliveries.Where(d => ids.Contains(d.Id) && leases.Contains(d.LeaseOwner!)).ExecuteUpdateAsync(set => set
                .SetProperty(d => d.State, DeliveryState.Pending)
                .SetProperty(d => d.LeaseOwner, (string?)null)
                .SetProperty(d => d.LeaseExpiresAt, (DateTimeOffset?)null));
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Could not hand {Count} claimed deliveries back at shutdown; their leases expire instead", ids.Count);
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
