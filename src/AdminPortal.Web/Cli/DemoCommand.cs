using System.CommandLine;
using AdminPortal.Core.Data;
using AdminPortal.Core.Features.Demo;
using Microsoft.Extensions.Options;

namespace AdminPortal.Web.Cli;

/// <summary>
/// <c>demo</c>: sample policies and a day of sample activities, with the alerts they raise, to try the portal out.
/// Migrates the database first, as the portal does at start (unless <c>Database:MigrateOnStartup</c> is false).
/// </summary>
public static class DemoCommand
{
    public static Command Create(Func<ParseResult, Func<IServiceProvider, Task>, Task<int>> withHost)
    {
        var command = new Command("demo", "Load sample policies and a day of sample activities, and raise their alerts, to try the portal out.");
        command.SetAction((parse, cancellationToken) => withHost(parse, async services =>
        {
            await MigrateAsync(services, cancellationToken);
            var result = await ActivatorUtilities.CreateInstance<DemoLoader>(services).LoadAsync("cli", cancellationToken);
            Print(result);
        }));
        return command;
    }

    private static async Task MigrateAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var migrator = services.GetRequiredService<DatabaseMigrator>();
        if (!services.GetRequiredService<IOptions<DatabaseOptions>>().Value.MigrateOnStartup)
        {
            if ((await migrator.PendingAsync(cancellationToken)).Count > 0)
                throw new StartupFailureException("The database is not migrated and Database:MigrateOnStartup is false: run the migrate command first.");
            return;
        }
        var applied = await migrator.MigrateAsync(cancellationToken);
        if (applied.Count > 0)
            Console.WriteLine($"Applied {applied.Count} migration(s).");
    }

    private static void Print(DemoLoadResult result)
    {
        Console.WriteLine($"Demo policies: created {result.PoliciesCreated.Count}, skipped {result.PoliciesSkipped.Count}.");
        foreach (var policy in result.PoliciesCreated)
            Console.WriteLine($"  + {policy.Name} ({policy.Severity}{(policy.IsEnabled ? "" : ", disabled")})");
        foreach (var name in result.PoliciesSkipped)
            Console.WriteLine($"  = {name} (skipped: a policy with this name exists)");
        var again = result.PoliciesSkipped.Count > 0 ? " (added again: each run adds a new day's worth)" : "";
        Console.WriteLine($"Demo activities: ingested {result.Activities:N0}{again}, from {result.From:u} to {result.To:u}.");
        Console.WriteLine($"Alerts raised: {result.AlertsCreated:N0}" +
                          (result.AlertsSuppressed > 0 ? $" ({result.AlertsSuppressed:N0} more held back by the policies' daily alert limits)." : "."));
        Console.WriteLine("Next: run the portal (dotnet run --project src/AdminPortal.Web), sign in with the one-time link it prints, and open Alerts.");
    }
}
