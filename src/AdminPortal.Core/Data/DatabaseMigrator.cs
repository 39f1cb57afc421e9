using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Logging;

namespace AdminPortal.Core.Data;

/// <summary>Applies pending migrations one at a time, so a failure names the migration that failed.</summary>
public sealed class DatabaseMigrator(IDbContextFactory<PortalDbContext> contexts, ILogger<DatabaseMigrator> logger)
{
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken = default)
    {
        var pending = await PendingAsync(cancellationToken);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var migrator = db.GetService<IMigrator>();
        foreach (var migration in pending)
        {
            try
            {
                await migrator.MigrateAsync(migration, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new StartupFailureException($"Migration {migration} failed: {e.GetBaseException().Message}", e);
            }
            logger.LogInformation("Applied migration {Migration}", migration);
        }
        return pending;
    }

    /// <summary>The migrations not yet applied; fails with a clear message when the database cannot be reached.</summary>
    public async Task<IReadOnlyList<string>> PendingAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        try
        {
            return [.. await db.Database.GetPendingMigrationsAsync(cancellationToken)];
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new StartupFailureException(
                $"Database unreachable: cannot read the migration history with Database:Provider {Describe(db.Database.ProviderName)} and the configured Database:ConnectionString ({e.GetBaseException().Message})", e);
        }
    }

    private static string Describe(string? providerName) => providerName switch
    {
        "Microsoft.EntityFrameworkCore.Sqlite" => "Sqlite",
        "Microsoft.EntityFrameworkCore.SqlServer" => "SqlServer",
        "Npgsql.EntityFrameworkCore.PostgreSQL" => "PostgreSql",
        _ => providerName ?? "?",
    };
}

/// <summary>Start-up cannot go on; the message alone tells the operator what to fix.</summary>
public sealed class StartupFailureException(string message, Exception? inner = null) : Exception(message, inner);
