using System.Text.Json;
using AdminPortal.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace AdminPortal.Core.Features.Alerts;

/// <summary>
/// Adds new alerts (with their entities and first history line) inside the caller's transaction. On SQLite,
/// prepared statements: through EF Core every entity row is its own command with a RETURNING round trip, which
/// made a busy batch spend most of its time here. Other providers batch well through EF Core.
/// </summary>
internal static class AlertWriter
{
    public static async Task InsertAsync(PortalDbContext db, IReadOnlyList<Alert> alerts, CancellationToken cancellationToken)
    {
        if (alerts.Count == 0)
            return;
        if (!db.Database.IsSqlite())
        {
            db.Alerts.AddRange(alerts);
            return;
        }

        await using var alert = SqliteStatement.Prepare(db, """
            INSERT INTO "Alerts" ("Id", "CreatedAt", "Title", "Description", "Severity", "ReadStatus", "ResolutionStatus", "ResolutionReasonId",
                                  "ResolutionComment", "HandledBy", "ClosedAt", "PolicyId", "Category", "MainEntity", "CorrelationKey", "Evidence")
            VALUES ($id, $createdAt, $title, $description, $severity, $readStatus, $resolutionStatus, $reasonId,
                    $comment, $handledBy, $closedAt, $policyId, $category, $mainEntity, $correlationKey, $evidence)
            """);
        await using var entity = SqliteStatement.Prepare(db,
            """INSERT INTO "AlertEntities" ("AlertId", "Type", "Value", "Label", "Role") VALUES ($alertId, $type, $value, $label, $role)""");
        await using var history = SqliteStatement.Prepare(db, """
            INSERT INTO "AlertEvents" ("AlertId", "At", "Actor", "Kind", "Resolution", "ReasonId", "Comment")
            VALUES ($alertId, $at, $actor, $kind, $resolution, $reasonId, $comment)
            """);

        foreach (var a in alerts)
        {
            // Numeric enums as numbers, entity and event enums as their names, the evidence list as a JSON array.
            await alert.RunAsync(cancellationToken, a.Id, a.CreatedAt.UtcTicks, a.Title, a.Description, (int)a.Severity, (int)a.ReadStatus,
                (int)a.ResolutionStatus, a.ResolutionReasonId, a.ResolutionComment, a.HandledBy, a.ClosedAt?.UtcTicks, a.PolicyId,
                (int)a.Category, a.MainEntity, a.CorrelationKey, JsonSerializer.Serialize(a.Evidence));
            foreach (var e in a.Entities)
                await entity.RunAsync(cancellationToken, a.Id, e.Type.ToString(), e.Value, e.Label, e.Role);
            foreach (var h in a.History)
                await history.RunAsync(cancellationToken, a.Id, h.At.UtcTicks, h.Actor, h.Kind.ToString(), h.Resolution?.ToString(), h.ReasonId, h.Comment);
        }
    }
}
