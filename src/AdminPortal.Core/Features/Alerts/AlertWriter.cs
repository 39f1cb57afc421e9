using System.Text.Json;
using AdminPortal.Core.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

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

        var connection = (SqliteConnection)db.Database.GetDbConnection();
        var transaction = (SqliteTransaction)(db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("Alerts are inserted inside the batch's transaction."));
        await using var alert = Command(connection, transaction, """
            INSERT INTO "Alerts" ("Id", "CreatedAt", "Title", "Description", "Severity", "ReadStatus", "ResolutionStatus", "ResolutionReasonId",
                                  "ResolutionComment", "HandledBy", "ClosedAt", "PolicyId", "Category", "MainEntity", "CorrelationKey", "Evidence")
            VALUES ($id, $createdAt, $title, $description, $severity, $readStatus, $resolutionStatus, $reasonId,
                    $comment, $handledBy, $closedAt, $policyId, $category, $mainEntity, $correlationKey, $evidence)
            """);
        await using var entity = Command(connection, transaction,
            """INSERT INTO "AlertEntities" ("AlertId", "Type", "Value", "Label", "Role") VALUES ($alertId, $type, $value, $label, $role)""");
        await using var history = Command(connection, transaction, """
            INSERT INTO "AlertEvents" ("AlertId", "At", "Actor", "Kind", "Resolution", "ReasonId", "Comment")
            VALUES ($alertId, $at, $actor, $kind, $resolution, $reasonId, $comment)
            """);

        foreach (var a in alerts)
        {
            // The column formats of EF Core's SQLite mapping: times as UTC ticks, numeric enums as numbers,
            // entity and event enums as their names, the evidence list as a JSON array.
            await RunAsync(alert, cancellationToken, ("$id", a.Id), ("$createdAt", a.CreatedAt.UtcTicks), ("$title", a.Title), ("$description", a.Description),
                ("$severity", (int)a.Severity), ("$readStatus", (int)a.ReadStatus), ("$resolutionStatus", (int)a.ResolutionStatus),
                ("$reasonId", a.ResolutionReasonId), ("$comment", a.ResolutionComment), ("$handledBy", a.HandledBy), ("$closedAt", a.ClosedAt?.UtcTicks),
                ("$policyId", a.PolicyId), ("$category", (int)a.Category), ("$mainEntity", a.MainEntity), ("$correlationKey", a.CorrelationKey),
                ("$evidence", JsonSerializer.Serialize(a.Evidence)));
            foreach (var e in a.Entities)
                await RunAsync(entity, cancellationToken, ("$alertId", a.Id), ("$type", e.Type.ToString()), ("$value", e.Value), ("$label", e.Label), ("$role", e.Role));
            foreach (var h in a.History)
                await RunAsync(history, cancellationToken, ("$alertId", a.Id), ("$at", h.At.UtcTicks), ("$actor", h.Actor), ("$kind", h.Kind.ToString()),
                    ("$resolution", h.Resolution?.ToString()), ("$reasonId", h.ReasonId), ("$comment", h.Comment));
        }
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    private static async Task RunAsync(SqliteCommand command, CancellationToken cancellationToken, params (string Name, object? Value)[] values)
    {
        if (command.Parameters.Count == 0)
        {
            foreach (var (name, _) in values)
                command.Parameters.Add(new SqliteParameter { ParameterName = name });
            command.Prepare();
        }
        foreach (var (name, value) in values)
            command.Parameters[name].Value = value ?? DBNull.Value;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
