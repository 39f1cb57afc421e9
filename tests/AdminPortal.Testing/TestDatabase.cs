using System.Globalization;
using System.Text;
using AdminPortal.Core.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace AdminPortal.Testing;

/// <summary>A real, migrated SQLite file in a temporary folder, handed out as the services' context factory.</summary>
public sealed class TestDatabase : IDbContextFactory<PortalDbContext>, IAsyncDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("adminportal-db-").FullName;
    private readonly DbContextOptions<PortalDbContext> _options;

    private TestDatabase()
    {
        var options = new DbContextOptionsBuilder<PortalDbContext>();
        DatabaseSetup.Configure(options, new DatabaseOptions { ConnectionString = $"Data Source={Path.Combine(_directory, "portal.db")}" }, _directory);
        _options = options.Options;
    }

    public static async Task<TestDatabase> CreateAsync()
    {
        var database = new TestDatabase();
        await using var db = database.CreateDbContext();
        await db.Database.MigrateAsync();
        return database;
    }

    /// <summary>For constructors that cannot await (bUnit test classes).</summary>
    public static TestDatabase Create()
    {
        var database = new TestDatabase();
        using var db = database.CreateDbContext();
        db.Database.Migrate();
        return database;
    }

    public PortalDbContext CreateDbContext() => new(_options);

    /// <summary>Contexts on the same file with <paramref name="interceptors"/> added (to make a save fail on purpose).</summary>
    public IDbContextFactory<PortalDbContext> With(params Microsoft.EntityFrameworkCore.Diagnostics.IInterceptor[] interceptors) =>
        new InterceptedContexts(new DbContextOptionsBuilder<PortalDbContext>(_options).AddInterceptors(interceptors).Options);

    private sealed class InterceptedContexts(DbContextOptions<PortalDbContext> options) : IDbContextFactory<PortalDbContext>
    {
        public PortalDbContext CreateDbContext() => new(options);
    }

    /// <summary>Every value of every row of a table, as the database file holds it (blobs as text and base64).</summary>
    public async Task<IReadOnlyList<string>> RawValuesAsync(string table)
    {
        await using var db = CreateDbContext();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT * FROM \"{table}\"";
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            for (var column = 0; column < reader.FieldCount; column++)
            {
                values.Add(reader.GetValue(column) switch
                {
                    byte[] bytes => Encoding.UTF8.GetString(bytes) + " " + Convert.ToBase64String(bytes) + " " + Convert.ToHexString(bytes),
                    var value => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
                });
            }
        }
        return values;
    }

    public ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { } // best effort: a temp folder
        return ValueTask.CompletedTask;
    }
}
