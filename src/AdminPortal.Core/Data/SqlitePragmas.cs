using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace AdminPortal.Core.Data;

/// <summary>
/// WAL lets readers work while a batch is written; the busy timeout makes a second writer wait instead of
/// failing with "database is locked". With WAL, synchronous = NORMAL keeps every commit atomic and survives
/// an application crash (only a power cut can lose the last commits), without an fsync per transaction.
/// An ingest batch of 1,000 activities dirties more than the default 1,000-page checkpoint interval, so every
/// commit paid for a checkpoint; 10,000 pages (≈ 40 MB of WAL) lets pages rewritten by consecutive batches reach
/// the database file once. A 32 MB page cache keeps the indexes that every batch touches in memory.
/// </summary>
internal sealed class SqlitePragmas(int busyTimeoutMs) : DbConnectionInterceptor
{
    // journal_mode is stored in the database file: switching once per file is enough, and asking on every
    // pooled open costs more than the small queries that follow.
    private static readonly ConcurrentDictionary<string, bool> WalFiles = new();

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    private void Apply(DbConnection connection)
    {
        using var command = connection.CreateCommand();
        var wal = WalFiles.ContainsKey(connection.DataSource) ? "" : " PRAGMA journal_mode = WAL;";
        command.CommandText = $"PRAGMA busy_timeout = {busyTimeoutMs}; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 10000; PRAGMA cache_size = -32768;{wal}";
        command.ExecuteNonQuery();
        if (wal.Length > 0)
            WalFiles.TryAdd(connection.DataSource, true);
    }
}
