using System.Globalization;
using AdminPortal.Core.Data;
using AdminPortal.Core.Features.Policies;
using Microsoft.EntityFrameworkCore;

namespace AdminPortal.Core.Features.Activities;

/// <summary>
/// Inserts a batch of activities inside the caller's transaction. On SQLite one prepared INSERT runs per row
/// (several times faster than change tracking a thousand entities, which is the ingest hot path); other
/// providers batch well through EF Core.
/// </summary>
internal static class ActivityWriter
{
    public static async Task InsertAsync(PortalDbContext db, IReadOnlyList<Activity> activities, CancellationToken cancellationToken)
    {
        if (!db.Database.IsSqlite())
        {
            db.Activities.AddRange(activities);
            return;
        }

        await using var insert = SqliteStatement.Prepare(db, """
            INSERT INTO "Activities" ("Id", "Timestamp", "App", "ActivityType", "User", "IpAddress", "Country", "Device", "ObjectName", "ObjectId", "TargetUser", "Raw", "IngestedAt")
            VALUES ($id, $timestamp, $app, $type, $user, $ip, $country, $device, $objectName, $objectId, $targetUser, $raw, $ingestedAt)
            """);
        foreach (var a in activities)
        {
            // EF Core's SQLite provider stores a Guid as upper-case text.
            await insert.RunAsync(cancellationToken, a.Id.ToString().ToUpperInvariant(), a.Timestamp.UtcTicks, a.App, a.ActivityType, a.User,
                a.IpAddress, a.Country, a.Device, a.ObjectName, a.ObjectId, a.TargetUser, a.Raw, a.IngestedAt.UtcTicks);
        }
    }
}

/// <summary>SQLite: the engine's changed thresholds and daily counts as prepared statements inside the batch's (immediate) transaction.</summary>
internal static class EngineStateWriter
{
    public static async Task UpsertThresholdsAsync(PortalDbContext db, IEnumerable<ThresholdState> thresholds, CancellationToken cancellationToken)
    {
        await using var upsert = SqliteStatement.Prepare(db, """
            INSERT INTO "ThresholdStates" ("PolicyId", "User", "Recent", "AlertedUntil", "Version") VALUES ($policy, $user, $recent, $until, $version)
            ON CONFLICT ("PolicyId", "User") DO UPDATE SET "Recent" = excluded."Recent", "AlertedUntil" = excluded."AlertedUntil", "Version" = excluded."Version"
            """);
        foreach (var state in thresholds)
            await upsert.RunAsync(cancellationToken, state.PolicyId, state.User, state.Recent, state.AlertedUntil?.UtcTicks,
                state.Version.ToString().ToUpperInvariant());
    }

    public static async Task AppendThresholdsAsync(PortalDbContext db, IEnumerable<ThresholdState> thresholds, CancellationToken cancellationToken)
    {
        await using var append = SqliteStatement.Prepare(db, """
            INSERT INTO "ThresholdJournal" ("PolicyId", "User", "Recent", "AlertedUntil") VALUES ($policy, $user, $recent, $until)
            """);
        foreach (var state in thresholds)
            await append.RunAsync(cancellationToken, state.PolicyId, state.User, state.Recent, state.AlertedUntil?.UtcTicks);
    }

    /// <summary>Writes each (policy, user)'s newest journal entry into the threshold table, then empties the journal.</summary>
    public static async Task FoldJournalAsync(PortalDbContext db, CancellationToken cancellationToken)
    {
        var version = Guid.NewGuid().ToString().ToUpperInvariant();
        // A policy deleted since (its thresholds went with it) must not come back through its journal entries.
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO "ThresholdStates" ("PolicyId", "User", "Recent", "AlertedUntil", "Version")
            SELECT j."PolicyId", j."User", j."Recent", j."AlertedUntil", {version} FROM "ThresholdJournal" AS j
            WHERE j."Seq" IN (SELECT MAX("Seq") FROM "ThresholdJournal" GROUP BY "PolicyId", "User")
              AND j."PolicyId" IN (SELECT "Id" FROM "Policies")
            ON CONFLICT ("PolicyId", "User") DO UPDATE SET "Recent" = excluded."Recent", "AlertedUntil" = excluded."AlertedUntil", "Version" = excluded."Version"
            """, cancellationToken);
        await db.Database.ExecuteSqlRawAsync("""DELETE FROM "ThresholdJournal" """, cancellationToken);
    }

    public static async Task UpsertCountsAsync(PortalDbContext db, IEnumerable<PolicyDailyCount> counts, CancellationToken cancellationToken)
    {
        await using var upsert = SqliteStatement.Prepare(db, """
            INSERT INTO "PolicyDailyCounts" ("PolicyId", "Day", "Alerts", "Suppressed", "Version") VALUES ($policy, $day, $alerts, $suppressed, $version)
            ON CONFLICT ("PolicyId", "Day") DO UPDATE SET "Alerts" = excluded."Alerts", "Suppressed" = excluded."Suppressed", "Version" = excluded."Version"
            """);
        foreach (var count in counts)
            await upsert.RunAsync(cancellationToken, count.PolicyId, count.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                count.Alerts, count.Suppressed, count.Version.ToString().ToUpperInvariant());
    }
}
