using System.Net;
using AdminPortal.Core.Data;
using AdminPortal.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace AdminPortal.IntegrationTests;

public sealed class HealthAndMigrationTests
{
    [Fact]
    public async Task Healthz_OnAMigratedDatabase_Answers200()
    {
        using var portal = new PortalFactory();

        var response = await portal.CreateClient().GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Healthz_WithPendingMigrations_Answers503()
    {
        using var portal = new PortalFactory();
        portal.Settings["Database:MigrateOnStartup"] = "false";

        var response = await portal.CreateClient().GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }

    [Fact]
    public async Task Migrations_ApplyAtStart_OnAFreshSqliteFile_InWalMode()
    {
        using var portal = new PortalFactory();
        Assert.False(File.Exists(portal.DatabasePath));
        portal.CreateClient();

        await using var db = portal.CreateDbContext();
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        Assert.Equal(db.GetService<IMigrationsAssembly>().Migrations.Keys, await db.Database.GetAppliedMigrationsAsync());
        await db.Database.OpenConnectionAsync();
        Assert.Equal("wal", await Scalar(db, "PRAGMA journal_mode"));
        Assert.Equal(5000L, await Scalar(db, "PRAGMA busy_timeout"));
        Assert.Equal(0, await db.Users.CountAsync(u => u.Upn == "nobody@localhost"));
    }

    [Fact]
    public async Task Migrations_ApplyAtStart_OnPostgreSql()
    {
        await using var postgres = await TestPostgres.CreateDatabaseAsync();
        using var portal = new PortalFactory();
        portal.Settings["Database:Provider"] = "PostgreSql";
        portal.Settings["Database:ConnectionString"] = postgres.ConnectionString;

        var health = await portal.CreateClient().GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        await using var db = portal.CreateDbContext();
        Assert.Equal("Npgsql.EntityFrameworkCore.PostgreSQL", db.Database.ProviderName);
        Assert.Equal(db.GetService<IMigrationsAssembly>().Migrations.Keys, await db.Database.GetAppliedMigrationsAsync());
        // The bootstrap admin was written through the migrated schema.
        Assert.Equal(1, await db.Users.CountAsync(u => u.Upn == "admin@localhost"));
    }

    private static async Task<object?> Scalar(PortalDbContext db, string sql)
    {
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }
}
