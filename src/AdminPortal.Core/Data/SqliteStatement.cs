using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace AdminPortal.Core.Data;

/// <summary>
/// A prepared SQLite statement run once per row inside the context's current transaction: the ingest path's
/// bulk writes, where EF Core's per-entity work costs more than the rows themselves. Values are stored in the
/// column formats of EF Core's SQLite mapping (see <see cref="PortalDbContext"/>).
/// </summary>
internal sealed partial class SqliteStatement : IAsyncDisposable
{
    private readonly SqliteCommand _command;

    private SqliteStatement(SqliteCommand command) => _command = command;

    /// <summary>Prepares <paramref name="sql"/>; its <c>$name</c> parameters take values in the order they first appear.</summary>
    public static SqliteStatement Prepare(PortalDbContext db, string sql)
    {
        var command = ((SqliteConnection)db.Database.GetDbConnection()).CreateCommand();
        command.Transaction = (SqliteTransaction)(db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("Bulk writes run inside the batch's transaction."));
        command.CommandText = sql;
        foreach (var name in Parameter().Matches(sql).Select(m => m.Value).Distinct())
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        command.Prepare();
        return new SqliteStatement(command);
    }

    /// <summary>Runs the statement with one row of values (null is NULL).</summary>
    public Task RunAsync(CancellationToken cancellationToken, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
            _command.Parameters[i].Value = values[i] ?? DBNull.Value;
        return _command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Runs the statement with one row of values and reads what it returns (<c>RETURNING</c>).</summary>
    public Task<SqliteDataReader> QueryAsync(CancellationToken cancellationToken, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
            _command.Parameters[i].Value = values[i] ?? DBNull.Value;
        return _command.ExecuteReaderAsync(cancellationToken);
    }

    public ValueTask DisposeAsync() => _command.DisposeAsync();

    [GeneratedRegex(@"\$\w+")]
    private static partial Regex Parameter();
}
