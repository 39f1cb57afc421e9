using AdminPortal.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace AdminPortal.Core.Features.Audit;

/// <summary>Writes one audit entry on its own, for events with no other change to save (e.g. a refused sign-in).</summary>
public sealed class AuditTrail(IDbContextFactory<PortalDbContext> contexts, TimeProvider time)
{
    public async Task WriteAsync(string actor, string action, string? targetType = null, string? targetId = null,
        string? details = null, string? clientAddress = null, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        new AuditLog(db, time).Add(actor, action, targetType, targetId, details?[..Math.Min(details.Length, 4000)], clientAddress);
        await db.SaveChangesAsync(cancellationToken);
    }
}
