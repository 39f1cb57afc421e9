using AdminPortal.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace AdminPortal.Core.Features.Dispatch;

/// <summary>Where a delivery goes after an attempt, held by <paramref name="Lease"/> when the attempt started.</summary>
internal sealed record DeliveryMove(
    Guid Id, string Lease, DeliveryState State, int AttemptCount, DateTimeOffset? NextAttemptAt, DateTimeOffset? CompletedAt, int? LastStatusCode, string? LastError);

/// <summary>
/// The outbox's hot writes, inside the caller's transaction: new deliveries (with their alerts) and the outcome of
/// each attempt. On SQLite, prepared statements, as in <see cref="Alerts.AlertWriter"/>: through EF Core each row
/// is a statement prepared afresh, which made these writes most of the dispatcher's cost. Other providers batch
/// well through EF Core.
/// </summary>
internal static class DeliveryWriter
{
    public static async Task InsertAsync(PortalDbContext db, IReadOnlyList<Delivery> deliveries, CancellationToken cancellationToken)
    {
        if (deliveries.Count == 0)
            return;
        if (!db.Database.IsSqlite())
        {
            db.Deliveries.AddRange(deliveries);
            return;
        }
        await using var insert = SqliteStatement.Prepare(db, """
            INSERT INTO "Deliveries" ("Id", "AlertId", "PlaybookId", "Payload", "State", "AttemptCount", "NextAttemptAt", "LeaseOwner", "LeaseExpiresAt", "CreatedAt")
            VALUES ($id, $alertId, $playbookId, $payload, $state, $attemptCount, $nextAttemptAt, $leaseOwner, $leaseExpiresAt, $createdAt)
            """);
        foreach (var d in deliveries)
            await insert.RunAsync(cancellationToken, Text(d.Id), d.AlertId, Text(d.PlaybookId), d.Payload, d.State.ToString(), d.AttemptCount,
                d.NextAttemptAt.UtcTicks, d.LeaseOwner, d.LeaseExpiresAt?.UtcTicks, d.CreatedAt.UtcTicks);
    }

    /// <summary>
    /// Leases the deliveries of <paramref name="ids"/> that are still due (pending and due, or leased and expired) to
    /// <paramref name="lease"/>, and returns them. A row another instance claimed meanwhile no longer matches.
    /// </summary>
    public static async Task<List<Delivery>> ClaimAsync(PortalDbContext db, IReadOnlyList<Guid> ids, string lease, DateTimeOffset leaseExpiresAt,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!db.Database.IsSqlite())
        {
            await db.Deliveries
                .Where(d => ids.Contains(d.Id) && ((d.State == DeliveryState.Pending && d.NextAttemptAt <= now)
                                                   || (d.State == DeliveryState.InFlight && d.LeaseExpiresAt < now)))
                .ExecuteUpdateAsync(set => set
                    .SetProperty(d => d.State, DeliveryState.InFlight)
                    .SetProperty(d => d.LeaseOwner, lease)
                    .SetProperty(d => d.LeaseExpiresAt, leaseExpiresAt), cancellationToken);
            return await db.Deliveries.AsNoTracking().Where(d => ids.Contains(d.Id) && d.LeaseOwner == lease).ToListAsync(cancellationToken);
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var claimed = new List<Delivery>();
        await using (var claim = SqliteStatement.Prepare(db, """
            UPDATE "Deliveries" SET "State" = 'InFlight', "LeaseOwner" = $lease, "LeaseExpiresAt" = $leaseExpiresAt
            WHERE "Id" = $id AND (("State" = 'Pending' AND "NextAttemptAt" <= $now) OR ("State" = 'InFlight' AND "LeaseExpiresAt" < $now))
            RETURNING "AlertId", "PlaybookId", "Payload", "AttemptCount", "NextAttemptAt", "CreatedAt"
            """))
        {
            foreach (var id in ids)
            {
                await using var row = await claim.QueryAsync(cancellationToken, lease, leaseExpiresAt.UtcTicks, Text(id), now.UtcTicks);
                if (!await row.ReadAsync(cancellationToken))
                    continue;
                claimed.Add(new Delivery
                {
                    Id = id, AlertId = row.IsDBNull(0) ? null : row.GetString(0), PlaybookId = row.GetGuid(1), Payload = row.GetString(2),
                    AttemptCount = row.GetInt32(3), NextAttemptAt = new DateTimeOffset(row.GetInt64(4), TimeSpan.Zero),
                    CreatedAt = new DateTimeOffset(row.GetInt64(5), TimeSpan.Zero),
                    State = DeliveryState.InFlight, LeaseOwner = lease, LeaseExpiresAt = leaseExpiresAt,
                });
            }
        }
        await transaction.CommitAsync(cancellationToken);
        return claimed;
    }

    /// <summary>Stores the attempts and moves the deliveries on; a delivery whose lease another instance has taken meanwhile is not moved.</summary>
    public static async Task RecordAsync(PortalDbContext db, IReadOnlyList<DeliveryAttempt> attempts, IReadOnlyList<DeliveryMove> moves,
        CancellationToken cancellationToken)
    {
        if (!db.Database.IsSqlite())
        {
            db.DeliveryAttempts.AddRange(attempts);
            foreach (var move in moves)
            {
                var entry = db.Deliveries.Attach(new Delivery { Id = move.Id, Payload = "" });
                entry.Entity.State = move.State;
                entry.Entity.AttemptCount = move.AttemptCount;
                entry.Entity.LeaseOwner = null;
                entry.Entity.LeaseExpiresAt = null;
                entry.Entity.CompletedAt = move.CompletedAt;
                entry.Entity.LastStatusCode = move.LastStatusCode;
                entry.Entity.LastError = move.LastError;
                foreach (var property in new[] { nameof(Delivery.State), nameof(Delivery.AttemptCount), nameof(Delivery.LeaseOwner),
                             nameof(Delivery.LeaseExpiresAt), nameof(Delivery.CompletedAt), nameof(Delivery.LastStatusCode), nameof(Delivery.LastError) })
                    entry.Property(property).IsModified = true;
                if (move.NextAttemptAt is { } next)
                    entry.Entity.NextAttemptAt = next;
                entry.Property(d => d.NextAttemptAt).IsModified = move.NextAttemptAt is not null;
            }
            return;
        }

        await using var attempt = SqliteStatement.Prepare(db, """
            INSERT INTO "DeliveryAttempts" ("DeliveryId", "StartedAt", "DurationMs", "StatusCode", "Error", "ResponseBody")
            VALUES ($deliveryId, $startedAt, $durationMs, $statusCode, $error, $responseBody)
            """);
        foreach (var a in attempts)
            await attempt.RunAsync(cancellationToken, Text(a.DeliveryId), a.StartedAt.UtcTicks, a.DurationMs, a.StatusCode, a.Error, a.ResponseBody);

        await using var update = SqliteStatement.Prepare(db, """
            UPDATE "Deliveries" SET "State" = $state, "AttemptCount" = $attemptCount, "NextAttemptAt" = coalesce($nextAttemptAt, "NextAttemptAt"),
                "CompletedAt" = $completedAt, "LastStatusCode" = $lastStatusCode, "LastError" = $lastError, "LeaseOwner" = NULL, "LeaseExpiresAt" = NULL
            WHERE "Id" = $id AND "LeaseOwner" = $lease
            """);
        foreach (var m in moves)
            await update.RunAsync(cancellationToken, m.State.ToString(), m.AttemptCount, m.NextAttemptAt?.UtcTicks, m.CompletedAt?.UtcTicks, m.LastStatusCode,
                m.LastError, Text(m.Id), m.Lease);
    }

    /// <summary>A GUID as EF Core's SQLite mapping stores it: upper-case text.</summary>
    private static string Text(Guid id) => id.ToString().ToUpperInvariant();
}
