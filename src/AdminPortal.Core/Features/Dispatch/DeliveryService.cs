using AdminPortal.Core.Data;
using AdminPortal.Core.Features.Audit;
using AdminPortal.Core.Features.Playbooks;
using AdminPortal.Core.Features.Users;
using FluentValidation;
using FluentValidation.Results;
using Microsoft.EntityFrameworkCore;

namespace AdminPortal.Core.Features.Dispatch;

/// <summary>One try of a delivery as the delivery log shows it (the response body is already cut to 4 KB and masked).</summary>
public sealed record DeliveryAttemptRow(DateTimeOffset StartedAt, int DurationMs, int? StatusCode, string? Error, string? ResponseBody);

/// <summary>
/// A delivery as the log shows it. <see cref="Attempts"/> counts every try recorded, replays included;
/// <see cref="NextAttemptAt"/> is set only while the delivery waits to be sent.
/// </summary>
public sealed record DeliveryRow(
    Guid Id, string? AlertId, Guid PlaybookId, DeliveryState State, int Attempts, int? LastStatusCode, string? LastError,
    DateTimeOffset? NextAttemptAt, DateTimeOffset CreatedAt, DateTimeOffset? CompletedAt, IReadOnlyList<DeliveryAttemptRow> AttemptLog)
{
    /// <summary>Finished one way or another: it may be sent again (a dead letter replayed, a delivered alert re-sent).</summary>
    public bool CanReplay => DeliveryService.IsReplayable(State);
}

/// <summary>A page of one playbook's delivery log, newest first, with the playbook it belongs to.</summary>
public sealed record PlaybookDeliveries(PlaybookRow Playbook, IReadOnlyList<DeliveryRow> Items, int Total, bool HasNext);

/// <summary>
/// One delivery of an alert. <see cref="PlaybookId"/> is null (and <see cref="PlaybookName"/> says so) when the
/// playbook is not one the viewer may see: its name and link are not theirs to know.
/// </summary>
public sealed record AlertDeliveryRow(
    Guid Id, Guid? PlaybookId, string PlaybookName, DeliveryState State, int Attempts, int? LastStatusCode, string? LastError,
    DateTimeOffset? NextAttemptAt, DateTimeOffset CreatedAt, DateTimeOffset? CompletedAt);

/// <summary>A playbook the portal disabled on its own (endpoint gone, no success for days), for the admins' banner.</summary>
public sealed record DisabledPlaybook(Guid Id, string Name, string Reason, DateTimeOffset DisabledAt);

public enum ReplayOutcome { Done, NotFound, Forbidden, Conflict }

/// <summary>The answer to a replay: what happened and, when done, the delivery as it now stands.</summary>
public sealed record ReplayResult(ReplayOutcome Outcome, DeliveryRow? Delivery = null);

/// <summary>
/// The delivery log (DESIGN §5, §6): a playbook's deliveries and their attempts, an alert's deliveries, and replays.
/// A replay puts a finished delivery back in the queue under the <em>same id</em>, so the receiver sees the same
/// <c>webhook-id</c> and can tell a replay from a new alert; its attempt history is kept. Only those who may manage
/// the playbook replay, and every replay is audited.
/// </summary>
public sealed class DeliveryService(
    IDbContextFactory<PortalDbContext> contexts, PlaybookService playbooks, DispatchSignal signal, TimeProvider time)
{
    public const int MaxLimit = 100;
    /// <summary>Shown for a delivery whose playbook the viewer may not see.</summary>
    public const string HiddenPlaybookName = "a playbook you cannot see";
    /// <summary>How <see cref="PlaybookService.SetEnabledAsync"/> words a person's disabling; every other reason is the portal's own.</summary>
    public const string DisabledByPersonPrefix = "Disabled by ";

    public static bool IsReplayable(DeliveryState state) =>
        state is DeliveryState.DeadLettered or DeliveryState.Delivered or DeliveryState.Cancelled;

    /// <summary>A page of the playbook's deliveries, newest first; null when the viewer may not see the playbook.</summary>
    public async Task<PlaybookDeliveries?> ListAsync(
        PlaybookViewer viewer, Guid playbookId, int skip = 0, int limit = 20, DeliveryState? state = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(skip);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, MaxLimit);
        if (await playbooks.GetAsync(viewer, playbookId, cancellationToken) is not { } playbook)
            return null;

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var query = db.Deliveries.AsNoTracking().Where(d => d.PlaybookId == playbookId);
        if (state is { } only)
            query = query.Where(d => d.State == only);
        var total = await query.CountAsync(cancellationToken);
        var page = await query.OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.Id)
            .Skip(skip).Take(limit).ToListAsync(cancellationToken);
        var log = await AttemptLogAsync(db, page.Select(d => d.Id).ToList(), cancellationToken);
        var rows = page.Select(d => Row(d, log.GetValueOrDefault(d.Id) ?? [])).ToList();
        return new PlaybookDeliveries(playbook, rows, total, skip + rows.Count < total);
    }

    /// <summary>One delivery with its attempts; null when unknown or its playbook is not one the viewer may see.</summary>
    public async Task<DeliveryRow?> GetAsync(PlaybookViewer viewer, Guid deliveryId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var delivery = await db.Deliveries.AsNoTracking().SingleOrDefaultAsync(d => d.Id == deliveryId, cancellationToken);
        if (delivery is null || await playbooks.GetAsync(viewer, delivery.PlaybookId, cancellationToken) is null)
            return null;
        var log = await AttemptLogAsync(db, [delivery.Id], cancellationToken);
        return Row(delivery, log.GetValueOrDefault(delivery.Id) ?? []);
    }

    /// <summary>The alert's deliveries, oldest first; the playbooks the viewer may not see are named as such, without id.</summary>
    public async Task<IReadOnlyList<AlertDeliveryRow>> ForAlertAsync(PlaybookViewer? viewer, string alertId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var deliveries = await db.Deliveries.AsNoTracking().Where(d => d.AlertId == alertId)
            .OrderBy(d => d.CreatedAt).ThenBy(d => d.Id)
            .Select(d => new { Delivery = d, Tries = d.Attempts.Count })
            .ToListAsync(cancellationToken);
        if (deliveries.Count == 0)
            return [];
        var ids = deliveries.Select(d => d.Delivery.PlaybookId).Distinct().ToList();
        var hidden = viewer is null ? ids.ToHashSet() : (await playbooks.NotUsableAsync(viewer, ids, cancellationToken)).ToHashSet();
        var visible = ids.Where(id => !hidden.Contains(id)).ToList();
        var names = await db.Playbooks.AsNoTracking().Where(p => visible.Contains(p.Id)).ToDictionaryAsync(p => p.Id, p => p.Name, cancellationToken);
        return deliveries.Select(x =>
        {
            var d = x.Delivery;
            var shown = names.TryGetValue(d.PlaybookId, out var name);
            // An error names the receiver's host: not shown for a playbook the viewer may not see.
            return new AlertDeliveryRow(d.Id, shown ? d.PlaybookId : null, shown ? name! : HiddenPlaybookName, d.State, Math.Max(d.AttemptCount, x.Tries),
                d.LastStatusCode, shown ? d.LastError : null, NextAttempt(d), d.CreatedAt, d.CompletedAt);
        }).ToList();
    }

    /// <summary>
    /// Sends a finished delivery again: back to Pending, due now, lease cleared, same id (same <c>webhook-id</c>).
    /// The attempt count restarts so the replay gets the whole retry schedule; the attempt history stays.
    /// Conflict when it is still queued or being sent.
    /// </summary>
    public async Task<ReplayResult> ReplayAsync(PlaybookViewer viewer, Guid deliveryId, CancellationToken cancellationToken = default)
    {
        Guid playbookId;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            var found = await db.Deliveries.AsNoTracking().Where(d => d.Id == deliveryId).Select(d => (Guid?)d.PlaybookId).SingleOrDefaultAsync(cancellationToken);
            if (found is null)
                return new ReplayResult(ReplayOutcome.NotFound);
            playbookId = found.Value;
        }
        var playbook = await playbooks.GetAsync(viewer, playbookId, cancellationToken);
        if (playbook is null)
            return new ReplayResult(ReplayOutcome.NotFound);
        if (!MayManage(viewer, playbook))
            return new ReplayResult(ReplayOutcome.Forbidden);

        var replayed = await InTransactionAsync(async (db, now) =>
        {
            var delivery = await db.Deliveries.AsNoTracking().Where(d => d.Id == deliveryId)
                .Select(d => new { d.State, d.AlertId }).SingleOrDefaultAsync(cancellationToken);
            // One conditional update: a delivery the dispatcher (or another replay) picked up meanwhile is left alone.
            var changed = await Replayable(db).Where(d => d.Id == deliveryId).ExecuteUpdateAsync(Requeue(now), cancellationToken);
            if (changed == 0 || delivery is null)
                return false;
            var what = delivery.AlertId is null ? "test alert" : $"alert {delivery.AlertId}";
            new AuditLog(db, time).Add(viewer.Upn, AuditActions.DeliveryReplayed, "Delivery", deliveryId.ToString(),
                $"Replayed the {delivery.State} delivery of {what} to playbook '{playbook.Name}' ({playbook.Id})");
            return true;
        }, cancellationToken);
        if (!replayed)
            return new ReplayResult(await GetAsync(viewer, deliveryId, cancellationToken) is null ? ReplayOutcome.NotFound : ReplayOutcome.Conflict);
        signal.Wake();
        return new ReplayResult(ReplayOutcome.Done, await GetAsync(viewer, deliveryId, cancellationToken));
    }

    /// <summary>
    /// Requeues every dead-lettered delivery of the playbook created from <paramref name="from"/> (inclusive) to
    /// <paramref name="to"/> (exclusive), as <see cref="ReplayAsync"/> does one; returns how many.
    /// </summary>
    public async Task<(ReplayOutcome Outcome, int Requeued)> ReplayDeadLetteredAsync(
        PlaybookViewer viewer, Guid playbookId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        if (to <= from)
            throw new ValidationException([new ValidationFailure("to", "to must be later than from.")]);
        // PostgreSQL stores UTC only; the caller's offset is kept out of the query.
        from = from.ToUniversalTime();
        to = to.ToUniversalTime();
        var playbook = await playbooks.GetAsync(viewer, playbookId, cancellationToken);
        if (playbook is null)
            return (ReplayOutcome.NotFound, 0);
        if (!MayManage(viewer, playbook))
            return (ReplayOutcome.Forbidden, 0);

        var requeued = 0;
        await InTransactionAsync(async (db, now) =>
        {
            requeued = await db.Deliveries
                .Where(d => d.PlaybookId == playbookId && d.State == DeliveryState.DeadLettered && d.CreatedAt >= from && d.CreatedAt < to)
                .ExecuteUpdateAsync(Requeue(now), cancellationToken);
            if (requeued > 0)
                new AuditLog(db, time).Add(viewer.Upn, AuditActions.DeliveryReplayed, "Playbook", playbookId.ToString(),
                    $"Replayed {requeued} dead-lettered deliveries of playbook '{playbook.Name}' created from {from:O} to {to:O}");
            return true;
        }, cancellationToken);
        if (requeued > 0)
            signal.Wake();
        return (ReplayOutcome.Done, requeued);
    }

    /// <summary>
    /// Playbooks the portal disabled on its own (their flow answered 410 Gone, or no delivery succeeded for days),
    /// newest first; those a person disabled are not listed. Admins see every playbook, so no viewer is needed.
    /// </summary>
    public async Task<IReadOnlyList<DisabledPlaybook>> DisabledPlaybooksAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var disabled = await db.Playbooks.AsNoTracking()
            .Where(p => !p.IsEnabled && p.Health.DisabledReason != null && !p.Health.DisabledReason.StartsWith(DisabledByPersonPrefix))
            .Select(p => new { p.Id, p.Name, Reason = p.Health.DisabledReason!, p.UpdatedAt })
            .ToListAsync(cancellationToken);
        return disabled.OrderByDescending(p => p.UpdatedAt).ThenBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => new DisabledPlaybook(p.Id, p.Name, p.Reason, p.UpdatedAt)).ToList();
    }

    /// <summary>Replays change what the playbook receives: owners, managers and admins only, and never a reader.</summary>
    private static bool MayManage(PlaybookViewer viewer, PlaybookRow playbook) =>
        playbook.CanManage && viewer.Role != PortalRole.SecurityReader;

    private static IQueryable<Delivery> Replayable(PortalDbContext db) =>
        db.Deliveries.Where(d => d.State == DeliveryState.DeadLettered || d.State == DeliveryState.Delivered || d.State == DeliveryState.Cancelled);

    private static Action<Microsoft.EntityFrameworkCore.Query.UpdateSettersBuilder<Delivery>> Requeue(DateTimeOffset now) => set => set
        .SetProperty(d => d.State, DeliveryState.Pending)
        .SetProperty(d => d.NextAttemptAt, now)
        .SetProperty(d => d.AttemptCount, 0)
        .SetProperty(d => d.LeaseOwner, (string?)null)
        .SetProperty(d => d.LeaseExpiresAt, (DateTimeOffset?)null)
        .SetProperty(d => d.CompletedAt, (DateTimeOffset?)null);

    /// <summary>
    /// The update and its audit entry commit together, inside the provider's execution strategy (SQL Server retries
    /// on transient errors and then refuses transactions opened outside it); each try gets a fresh context.
    /// </summary>
    private async Task<T> InTransactionAsync<T>(Func<PortalDbContext, DateTimeOffset, Task<T>> work, CancellationToken cancellationToken)
    {
        await using var outer = await contexts.CreateDbContextAsync(cancellationToken);
        return await outer.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var result = await work(db, time.GetUtcNow());
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return result;
        });
    }

    private static async Task<Dictionary<Guid, List<DeliveryAttemptRow>>> AttemptLogAsync(PortalDbContext db, List<Guid> deliveryIds, CancellationToken cancellationToken)
    {
        if (deliveryIds.Count == 0)
            return [];
        var attempts = await db.DeliveryAttempts.AsNoTracking().Where(a => deliveryIds.Contains(a.DeliveryId))
            .OrderBy(a => a.StartedAt).ThenBy(a => a.Id)
            .ToListAsync(cancellationToken);
        return attempts.GroupBy(a => a.DeliveryId).ToDictionary(g => g.Key,
            g => g.Select(a => new DeliveryAttemptRow(a.StartedAt, a.DurationMs, a.StatusCode, a.Error, a.ResponseBody)).ToList());
    }

    /// <summary>
    /// The attempt count restarts at a replay and old attempt rows are deleted after the retention: the larger of
    /// the two is the honest number of tries.
    /// </summary>
    private static DeliveryRow Row(Delivery d, IReadOnlyList<DeliveryAttemptRow> log) => new(
        d.Id, d.AlertId, d.PlaybookId, d.State, Math.Max(d.AttemptCount, log.Count), d.LastStatusCode, d.LastError,
        NextAttempt(d), d.CreatedAt, d.CompletedAt, log);

    private static DateTimeOffset? NextAttempt(Delivery d) => d.State == DeliveryState.Pending ? d.NextAttemptAt : null;
}
