using AdminPortal.Core.Data;
using AdminPortal.Core.Features.Policies;
using AdminPortal.Core.Features.Users;
using AdminPortal.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace AdminPortal.IntegrationTests;

/// <summary>The CLI commands of the real executable against a real SQLite file.</summary>
public sealed class CliTests() : CliWorkspace("adminportal-cli-")
{
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

    [Fact]
    public async Task Ingest_StoresTheGoodLines_ReportsTheBadOnesByLine_RaisesAlerts_AndExitsWith2()
    {
        Assert.Equal(0, (await Cli("migrate")).ExitCode);
        var contexts = Contexts();
        var policy = await new PolicyService(contexts, TimeProvider.System).CreateAsync(new PolicyDraft
        {
            Name = "External share",
            Conditions = [new ConditionDraft { Field = ActivityFields.ActivityType, Operator = ConditionOperator.Equals, Values = ["FileShare"] }],
        }, "test");
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var file = Path.Combine(Directory.FullName, "activities.jsonl");
        await File.WriteAllLinesAsync(file,
        [
            $$"""{"timestamp":{{now}},"app":"Box","activityType":"FileShare","user":"Ann@Contoso.com","targetUser":"x@fabrikam.com","custom":42}""",
            $$"""{"timestamp":{{now}},"app":"Box","activityType":"FileDownload","user":"ann@contoso.com"}""",
            "{not json",
            "",
            $$"""{"timestamp":{{now}},"app":"Box","activityType":"FileShare","ipAddress":"10.1"}""",
            $$"""{"timestamp":{{now}},"app":"Box","activityType":"FileShare","user":"bob@contoso.com"}""",
        ]);

        var result = await Cli("ingest", file, "--batch-size", "2");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Accepted 3, rejected 2, alerts created 2", result.Output);
        Assert.Contains("line 3: line: not valid JSON", result.Error);
        Assert.Contains("line 5:", result.Error);
        Assert.Contains("user is required", result.Error);
        Assert.Contains("ipAddress '10.1' is not an IPv4 or IPv6 address", result.Error);
        await using var db = await contexts.CreateDbContextAsync();
        Assert.Equal(3, await db.Activities.CountAsync());
        var shared = await db.Activities.SingleAsync(a => a.User == "ann@contoso.com" && a.ActivityType == "FileShare");
        Assert.Contains("\"custom\":42", shared.Raw); // unknown fields survive
        Assert.Equal(2, await db.Alerts.CountAsync(a => a.PolicyId == policy.Id));
    }

    [Fact]
    public async Task Ingest_WithEveryLineGood_ExitsWith0()
    {
        Assert.Equal(0, (await Cli("migrate")).ExitCode);
        var file = Path.Combine(Directory.FullName, "activities.jsonl");
        await File.WriteAllTextAsync(file, $$"""{"timestamp":"2026-11-27T09:00:00Z","app":"Box","activityType":"LogOn","user":"ann@contoso.com"}""" + "\n");

        var result = await Cli("ingest", file);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Accepted 1, rejected 0, alerts created 0", result.Output);
    }

    [Fact]
    public async Task Ingest_OfAMissingFile_FailsClearly()
    {
        var result = await Cli("ingest", Path.Combine(Directory.FullName, "nope.jsonl"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("No such file", result.Error);
    }
}
