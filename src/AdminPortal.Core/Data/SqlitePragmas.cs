using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace AdminPortal.Core.Data;

/// <summary>
/// WAL lets readers work while the dispatcher writes; the busy timeout makes a second writer
/// wait instead of failing with "database is locked".
/// </summary>
internal sealed class SqlitePragmas(int busyTimeoutMs) : DbConnectionInterceptor
{
    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    private void Apply(DbConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA busy_timeout = {busyTimeoutMs}; PRAGMA journal_mode = WAL;";
        command.ExecuteNonQuery();
    }
}
