using AdminPortal.Core.Data;
using AdminPortal.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace AdminPortal.IntegrationTests;

/// <summary>A temporary folder with a SQLite file for the real executable's CLI commands, and contexts on that file.</summary>
public abstract class CliWorkspace(string prefix) : IDisposable
{
    protected DirectoryInfo Directory { get; } = System.IO.Directory.CreateTempSubdirectory(prefix);

    protected string DatabasePath => Path.Combine(Directory.FullName, "portal.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(recursive: true);
    }

    protected Task<PortalProcess.Result> Cli(params string[] args) =>
        PortalProcess.RunAsync(Directory.FullName, [.. args, $"--Database:ConnectionString=Data Source={DatabasePath}"]);

    protected IDbContextFactory<PortalDbContext> Contexts()
    {
        var options = new DbContextOptionsBuilder<PortalDbContext>();
        DatabaseSetup.Configure(options, new DatabaseOptions { ConnectionString = $"Data Source={DatabasePath}" }, Directory.FullName);
        return new PooledDbContextFactory<PortalDbContext>(options.Options);
    }

    protected PortalDbContext Db() => Contexts().CreateDbContext();
}
