using AdminPortal.Core.Data;
using AdminPortal.Core.Features.Alerts;
using AdminPortal.Core.Features.Audit;
using AdminPortal.Core.Features.Playbooks;
using AdminPortal.Core.Features.Policies;
using Microsoft.EntityFrameworkCore;

namespace AdminPortal.Core.Features.Dispatch;

/// <summary>
/// "Send test alert": a sample alert payload queued for one playbook and sent by the real dispatcher (signed,
/// retried, logged), so an admin can check a flow end to end without waiting for a real alert.
/// </summary>
public sealed class PlaybookTestAlerts(
    IDbContextFactory<PortalDbContext> contexts, PlaybookService playbooks, DispatchSignal signal, IPortalAddress portal, TimeProvider time)
{
    public const string SampleAlertId = "000000000000000000000000";

    /// <summary>Queues the sample; null when the playbook is not one the viewer may use.</summary>
    public async Task<Guid?> SendAsync(PlaybookViewer viewer, Guid playbookId, CancellationToken cancellationToken = default)
    {
        if (await playbooks.GetAsync(viewer, playbookId, cancellationToken) is not { } playbook)
            return null;
        var now = time.GetUtcNow();
        var sample = new Alert
        {
            Id = SampleAlertId,
            CreatedAt = now,
            Title = "Test alert from AdminPortal",
            Description = $"A test alert sent by {viewer.Upn} to check the playbook '{playbook.Name}'. No activity caused it; nothing needs doing.",
            Severity = AlertSeverity.Low,
            PolicyId = SampleAlertId,
            CorrelationKey = $"{SampleAlertId}:test",
            MainEntity = viewer.Upn,
            Entities = [new AlertEntity { Type = AlertEntityType.Account, Value = viewer.Upn }, new AlertEntity { Type = AlertEntityType.Ip, Value = "203.0.113.10" }],
        };
        var payload = AlertPayload.From(sample, "Test alert", PolicyType.Activity, now, now, portal.BaseUrl).Serialize();
        var delivery = new Delivery { PlaybookId = playbookId, Payload = payload, NextAttemptAt = now, CreatedAt = now };

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        db.Deliveries.Add(delivery);
        new AuditLog(db, time).Add(viewer.Upn, AuditActions.PlaybookTestAlertSent, "Playbook", playbookId.ToString(), $"Test alert queued for '{playbook.Name}'");
        await db.SaveChangesAsync(cancellationToken);
        signal.Wake();
        return delivery.Id;
    }
}
