using AdminPortal.Core.Data;
using AdminPortal.Core.Features.Activities;
using AdminPortal.Core.Features.Alerts;
using AdminPortal.Core.Features.Email;
using AdminPortal.Core.Features.Policies;
using Microsoft.EntityFrameworkCore;

namespace AdminPortal.Core.Features.Dispatch;

/// <summary>A raised alert with the policy that raised it and its evidence activities.</summary>
public sealed record RaisedAlert(Alert Alert, CompiledPolicy Policy, IReadOnlyList<Activity> Evidence);

/// <summary>
/// The transactional outbox: one <see cref="Delivery"/> per (alert, enabled linked playbook), and the alert's e-mail
/// (<see cref="EmailOutbox"/>), written in the caller's transaction so they commit with the alert or not at all. The
/// dispatcher and the e-mail sender send them.
/// </summary>
public sealed class AlertOutbox(IPortalAddress portal, DispatcherService? dispatcher = null, EmailOutbox? email = null)
{
    /// <summary>
    /// Writes the deliveries of <paramref name="raised"/>, those this instance's dispatcher has room for already leased
    /// to it. The caller tells the returned handoff whether its transaction committed.
    /// </summary>
    public async Task<DeliveryHandoff?> AddAsync(PortalDbContext db, IReadOnlyList<RaisedAlert> raised, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (email is not null)
            await email.AddAsync(db, raised, now, cancellationToken);
        var linked = raised.SelectMany(r => r.Policy.PlaybookIds).Distinct().ToList();
        if (linked.Count == 0)
            return null;
        // A disabled playbook (by an admin, or because its flow is gone) gets nothing until it is enabled again.
        var playbooks = await db.Playbooks.AsNoTracking().Where(p => linked.Contains(p.Id) && p.IsEnabled).Select(PlaybookKeys.Of)
            .ToListAsync(cancellationToken);
        var enabled = playbooks.Select(p => p.Id).ToHashSet();
        var deliveries = new List<Delivery>();
        foreach (var (alert, policy, evidence) in raised)
        {
            var targets = policy.PlaybookIds.Where(enabled.Contains).ToList();
            if (targets.Count == 0)
                continue;
            var first = evidence.Count > 0 ? evidence.Min(a => a.Timestamp) : alert.CreatedAt;
            var last = evidence.Count > 0 ? evidence.Max(a => a.Timestamp) : alert.CreatedAt;
            var payload = AlertPayload.From(alert, policy.Name, policy.Type, first, last, portal.BaseUrl).Serialize();
            deliveries.AddRange(targets.Select(playbookId =>
                new Delivery { AlertId = alert.Id, PlaybookId = playbookId, Payload = payload, NextAttemptAt = now, CreatedAt = now }));
        }
        var handoff = dispatcher?.Lease(deliveries, playbooks, now);
        try
        {
            await DeliveryWriter.InsertAsync(db, deliveries, cancellationToken);
        }
        catch
        {
            handoff?.Abandoned();
            throw;
        }
        return handoff;
    }
}
