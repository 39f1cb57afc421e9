using System.Net;
using AdminPortal.Core.Data;
using AdminPortal.Core.Features.ApiTokens;
using AdminPortal.Core.Features.Audit;
using AdminPortal.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace AdminPortal.IntegrationTests.ApiTokens;

/// <summary><c>token create|list|revoke</c> of the real executable against a real SQLite file.</summary>
public sealed class TokenCliTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("adminportal-token-cli-");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _directory.Delete(recursive: true);
    }

    private string ConnectionString => $"Data Source={Path.Combine(_directory.FullName, "portal.db")}";

    private Task<PortalProcess.Result> Cli(params string[] args) =>
        PortalProcess.RunAsync(_directory.FullName, [.. args, $"--Database:ConnectionString={ConnectionString}"]);

    private PortalDbContext Db()
    {
        var options = new DbContextOptionsBuilder<PortalDbContext>();
        DatabaseSetup.Configure(options, new DatabaseOptions { ConnectionString = ConnectionString }, _directory.FullName);
        return new PortalDbContext(options.Options);
    }

    private async Task WithUserAsync(string upn, string role = "SecurityOperator")
    {
        Assert.Equal(0, (await Cli("migrate")).ExitCode);
        Assert.Equal(0, (await Cli("user", "add", "--upn", upn, "--role", role)).ExitCode);
    }

    [Fact]
    public async Task CreateListRevoke_PrintOnlyTheValue_ThenGeneratedThenRevoked_AndTheValueStopsWorking()
    {
        await WithUserAsync("ops@contoso.com");

        var create = await Cli("token", "create", "--user", "ops@contoso.com", "--name", "nightly sync");
        Assert.Equal(0, create.ExitCode);
        Assert.Matches(@"\A[0-9a-zA-Z]{64}\r?\n\z", create.Output);
        var value = create.Output.Trim();

        var list = await Cli("token", "list");
        Assert.Equal(0, list.ExitCode);
        var line = Assert.Single(list.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        var columns = line.Split('\t');
        Assert.True(Guid.TryParse(columns[0], out var id), $"No id first in '{line}'.");
        Assert.Equal(["nightly sync", "ops@contoso.com", "Generated", "never"], columns[1..]);

        using (var portal = OnTheSameDatabase())
        {
            var me = await ApiCalls.JsonAsync(await portal.CreateClient().CallAsync("/api/v1/me/", "Token " + value));
            Assert.Equal("ops@contoso.com", me.GetProperty("upn").GetString());
            Assert.Equal(id, me.GetProperty("tokenId").GetGuid());
        }

        var revoke = await Cli("token", "revoke", "--id", id.ToString());
        var listAfter = await Cli("token", "list", "--user", "OPS@contoso.com");

        Assert.Equal(0, revoke.ExitCode);
        Assert.Contains($"{id}\tnightly sync\tops@contoso.com\tRevoked\t", listAfter.Output);
        using (var portal = OnTheSameDatabase())
            await ApiCalls.AssertProblemAsync(await portal.CreateClient().CallAsync("/api/v1/me/", "Token " + value), HttpStatusCode.Unauthorized);
        await using var db = Db();
        var token = await db.ApiTokens.SingleAsync();
        Assert.Equal(ApiTokenValues.Hash(value), token.ValueHash);
        Assert.Equal([AuditActions.ApiTokenCreated, AuditActions.ApiTokenRevoked, AuditActions.ApiTokenUsedAfterRevocation],
            await db.AuditEntries.Where(e => e.TargetType == "ApiToken").OrderBy(e => e.Id).Select(e => e.Action).ToListAsync());
    }

    [Fact]
    public async Task List_WithUser_ShowsOnlyThatOwnersTokens()
    {
        await WithUserAsync("alice@contoso.com");
        Assert.Equal(0, (await Cli("user", "add", "--upn", "bob@contoso.com", "--role", "SecurityReader")).ExitCode);
        Assert.Equal(0, (await Cli("token", "create", "--user", "alice@contoso.com", "--name", "alice's")).ExitCode);
        Assert.Equal(0, (await Cli("token", "create", "--user", "bob@contoso.com", "--name", "bob's")).ExitCode);

        var list = await Cli("token", "list", "--user", "bob@contoso.com");

        Assert.Equal(0, list.ExitCode);
        var line = Assert.Single(list.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("\tbob's\tbob@contoso.com\t", line);
    }

    public static TheoryData<string> BadNames => new(["", "   ", new string('n', 101), "bad\u0007name", "tab\tname"]);

    [Theory]
    [MemberData(nameof(BadNames))]
    public async Task Create_WithABadName_FailsNamingTheNameAndStoresNothing(string name)
    {
        await WithUserAsync("ops@contoso.com");

        var result = await Cli("token", "create", "--user", "ops@contoso.com", "--name", name);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Name", result.Error);
        Assert.Equal("", result.Output.Trim());
        await using var db = Db();
        Assert.Equal(0, await db.ApiTokens.CountAsync());
        Assert.Equal(0, await db.AuditEntries.CountAsync(e => e.Action == AuditActions.ApiTokenCreated));
    }

    [Fact]
    public async Task Create_ForAnUnknownUser_FailsAndSaysHowToAddOne()
    {
        await WithUserAsync("ops@contoso.com");

        var result = await Cli("token", "create", "--user", "nobody@contoso.com", "--name", "n");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("user add --upn nobody@contoso.com", result.Error);
        await using var db = Db();
        Assert.Equal(0, await db.ApiTokens.CountAsync());
    }

    [Fact]
    public async Task Revoke_OfAnUnknownId_Fails()
    {
        await WithUserAsync("ops@contoso.com");
        var id = Guid.NewGuid();

        var result = await Cli("token", "revoke", "--id", id.ToString());

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(id.ToString(), result.Error);
    }

    /// <summary>The web app on the CLI's database file, to call the API with a value the CLI printed.</summary>
    private PortalFactory OnTheSameDatabase()
    {
        var portal = new PortalFactory();
        portal.Settings["Database:ConnectionString"] = ConnectionString;
        return portal;
    }
}
