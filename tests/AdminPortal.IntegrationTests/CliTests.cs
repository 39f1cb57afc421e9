using AdminPortal.Core.Data;
using AdminPortal.Core.Features.Users;
using AdminPortal.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace AdminPortal.IntegrationTests;

/// <summary>The CLI commands of the real executable against a real SQLite file.</summary>
public sealed class CliTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("adminportal-cli-");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _directory.Delete(recursive: true);
    }

    private string DatabasePath => Path.Combine(_directory.FullName, "portal.db");

    private Task<PortalProcess.Result> Cli(params string[] args) =>
        PortalProcess.RunAsync(_directory.FullName, [.. args, $"--Database:ConnectionString=Data Source={DatabasePath}"]);

    private PortalDbContext Db()
    {
        var options = new DbContextOptionsBuilder<PortalDbContext>();
        DatabaseSetup.Configure(options, new DatabaseOptions { ConnectionString = $"Data Source={DatabasePath}" }, _directory.FullName);
        return new PortalDbContext(options.Options);
    }

    [Fact]
    public async Task Migrate_AppliesPendingMigrations_ThenReportsUpToDate()
    {
        var first = await Cli("migrate");
        var second = await Cli("migrate");

        Assert.Equal(0, first.ExitCode);
        Assert.Contains("_InitialCreate", first.Output);
        Assert.Equal(0, second.ExitCode);
        Assert.Contains("up to date", second.Output);
        await using var db = Db();
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
    }

    [Fact]
    public async Task UserAdd_StoresTheUserWithTheRole()
    {
        await Cli("migrate");

        var result = await Cli("user", "add", "--upn", "Alice@Contoso.com", "--role", "SecurityOperator");

        Assert.Equal(0, result.ExitCode);
        await using var db = Db();
        var alice = await db.Users.SingleAsync(u => u.Upn == "alice@contoso.com");
        Assert.Equal(PortalRole.SecurityOperator, alice.Role);
    }

    [Theory]
    [InlineData("Owner")]
    [InlineData("2")]
    [InlineData("SecurityReader,GlobalAdmin")]
    public async Task UserAdd_WithUnknownRole_FailsWithoutStoringAnything(string role)
    {
        await Cli("migrate");

        var result = await Cli("user", "add", "--upn", "bob@contoso.com", "--role", role);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"'{role}' is not a role", result.Error);
        await using var db = Db();
        Assert.False(await db.Users.AnyAsync(u => u.Upn == "bob@contoso.com"));
    }

    [Fact]
    public async Task SignInLink_PrintsAOneTimeLinkForAnExistingUser()
    {
        await Cli("migrate");
        await Cli("user", "add", "--upn", "carol@contoso.com", "--role", "SecurityReader");

        var result = await Cli("signin-link", "--upn", "carol@contoso.com", "--Portal:BaseUrl=https://portal.contoso.com");

        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"^https://portal\.contoso\.com/signin/link/[A-Za-z0-9_-]{43}\s*$", result.Output);
    }

    [Fact]
    public async Task SignInLink_ForUnknownUser_SaysHowToAddOne()
    {
        await Cli("migrate");

        var result = await Cli("signin-link", "--upn", "nobody@contoso.com");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("user add --upn nobody@contoso.com", result.Error);
    }
}
