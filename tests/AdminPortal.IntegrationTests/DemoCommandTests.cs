using AdminPortal.Core.Data;
using AdminPortal.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace AdminPortal.IntegrationTests;

/// <summary>The <c>demo</c> command of the real executable against a real SQLite file.</summary>
public sealed class DemoCommandTests() : CliWorkspace("adminportal-demo-")
{
    private const int DemoActivities = 3_061;
    private const int DemoAlerts = 86;

    /// <summary>Alerts each demo policy raises from one day of demo activities (the data is generated from a fixed seed).</summary>
    private static readonly Dictionary<string, int> AlertsByPolicy = new()
    {
        ["Log-on from a risky country"] = 12,
        ["Repeated failed log-ons"] = 4,
        ["Mass download by a single user"] = 6,
        ["Admin activity from an unusual IP"] = 15,
        ["File shared externally"] = 44,
        ["Log-on through an anonymizing proxy"] = 5,
        ["Log-on with legacy authentication"] = 0,
    };

    [Fact]
    public async Task Demo_OnAFreshDatabase_MigratesIt_CreatesThePolicies_AndIngestsADayOfActivitiesThatRaiseAlerts()
    {
        var before = DateTimeOffset.UtcNow;

        var result = await Cli("demo");

        var after = DateTimeOffset.UtcNow;
        Assert.True(result.ExitCode == 0, result.AllOutput);
        Assert.Contains("Demo policies: created 7, skipped 0.", result.Output);
        Assert.Contains("+ Log-on with legacy authentication (Low, disabled)", result.Output);
        Assert.Contains($"Demo activities: ingested {DemoActivities:N0}, from ", result.Output);
        Assert.Contains($"Alerts raised: {DemoAlerts}.", result.Output);
        Assert.Contains("dotnet run --project src/AdminPortal.Web", result.Output);

        await using var db = Db();
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        var policies = await db.Policies.ToListAsync();
        Assert.Equal(AlertsByPolicy.Keys.Order(), policies.Select(p => p.Name).Order());
        Assert.Equal(["Log-on with legacy authentication"], policies.Where(p => !p.IsEnabled).Select(p => p.Name));
        Assert.All(policies, p => Assert.False(string.IsNullOrWhiteSpace(p.Description)));
        Assert.Equal(10, policies.Single(p => p.Name == "Repeated failed log-ons").Threshold?.Count);

        var timestamps = await db.Activities.Select(a => a.Timestamp).ToListAsync();
        Assert.Equal(DemoActivities, timestamps.Count);
        Assert.All(timestamps, t => Assert.InRange(t, before.AddDays(-1), after));
        Assert.True(timestamps.Max() - timestamps.Min() > TimeSpan.FromHours(23), "the activities should cover the whole day");

        var alerts = await db.Alerts.GroupBy(a => a.PolicyId).Select(g => new { PolicyId = g.Key, Count = g.Count() }).ToListAsync();
        var raised = policies.ToDictionary(p => p.Name, p => alerts.SingleOrDefault(a => a.PolicyId == p.Id)?.Count ?? 0);
        Assert.Equal(AlertsByPolicy.OrderBy(p => p.Key), raised.OrderBy(p => p.Key));
        Assert.Equal(DemoAlerts, raised.Values.Sum());
    }

    [Fact]
    public async Task Demo_RunTwice_SkipsThePoliciesThatExist_AndAddsTheActivitiesAgain()
    {
        Assert.Equal(0, (await Cli("demo")).ExitCode);

        var second = await Cli("demo");

        Assert.True(second.ExitCode == 0, second.AllOutput);
        Assert.Contains("Demo policies: created 0, skipped 7.", second.Output);
        Assert.Contains("= Mass download by a single user (skipped: a policy with this name exists)", second.Output);
        Assert.Contains($"ingested {DemoActivities:N0} (added again", second.Output);
        await using var db = Db();
        Assert.Equal(7, await db.Policies.CountAsync());
        Assert.Equal(2 * DemoActivities, await db.Activities.CountAsync());
        // Policies without a threshold match the new day's activities again; thresholds may already have alerted for their window.
        Assert.InRange(await db.Alerts.CountAsync(), DemoAlerts + 1, 2 * DemoAlerts);
    }

    [Fact]
    public async Task Demo_WithMigrateOnStartupOff_OnAnUnmigratedDatabase_SaysToMigrateFirst()
    {
        var result = await Cli("demo", "--Database:MigrateOnStartup=false");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("run the migrate command first", result.Error);
        Assert.DoesNotContain("Demo policies", result.Output);
    }
}
