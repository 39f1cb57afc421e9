using System.CommandLine;
using System.Data.Common;
using AdminPortal.Core;
using AdminPortal.Core.Data;
using AdminPortal.Core.Features.Users;
using AdminPortal.Web.Hosting;
using Microsoft.Extensions.Options;

namespace AdminPortal.Web.Cli;

/// <summary>The portal's command line: same executable, same configuration, no web server.</summary>
public static class PortalCli
{
    private static readonly string[] Commands = ["migrate", "user", "signin-link", "token", "ingest", "demo", "--help", "-h", "-?"];

    public static bool IsCommand(string[] args) => args.Length > 0 && Commands.Contains(args[0]);

    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("AdminPortal: run without a command to serve the portal.")
        {
            MigrateCommand(),
            UserCommand(),
            SignInLinkCommand(),
            TokenCommands.Create(WithHost),
            IngestCommand.Create(WithHost),
            DemoCommand.Create(WithHost),
        };
        // Configuration options (--Database:Provider X) pass through to the host, as for the web app.
        root.TreatUnmatchedTokensAsErrors = false;
        return await root.Parse(args).InvokeAsync();
    }

    private static Command MigrateCommand()
    {
        var command = new Command("migrate", "Apply pending database migrations and exit.");
        command.SetAction(async (parse, cancellationToken) => await WithHost(parse, async services =>
        {
            var applied = await services.GetRequiredService<DatabaseMigrator>().MigrateAsync(cancellationToken);
            Console.WriteLine(applied.Count == 0 ? "The database is up to date." : $"Applied {applied.Count} migration(s): {string.Join(", ", applied)}");
        }));
        return command;
    }

    private static Command UserCommand()
    {
        var upn = new Option<string>("--upn") { Description = "User principal name, e.g. alice@contoso.com", Required = true };
        var role = new Option<PortalRole>("--role")
        {
            Description = "GlobalAdmin, SecurityOperator or SecurityReader",
            Required = true,
            CustomParser = result =>
            {
                var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : null;
                if (PortalPolicies.TryParseRole(text, out var parsed))
                    return parsed;
                result.AddError($"'{text}' is not a role; use GlobalAdmin, SecurityOperator or SecurityReader.");
                return default;
            },
        };
        var add = new Command("add", "Add a local user, or change the role of an existing one.") { upn, role };
        add.SetAction(async (parse, cancellationToken) => await WithHost(parse, async services =>
        {
            var user = await services.GetRequiredService<UserService>()
                .AddOrUpdateAsync(parse.GetValue(upn)!, parse.GetValue(role), "cli", cancellationToken);
            Console.WriteLine($"{user.Upn} is {user.Role}.");
        }));
        return new Command("user", "Manage local users.") { add };
    }

    private static Command SignInLinkCommand()
    {
        var upn = new Option<string>("--upn") { Description = "The local user to sign in as", Required = true };
        var command = new Command("signin-link", "Print a new one-time sign-in link (local mode; valid 15 minutes).") { upn };
        command.SetAction(async (parse, cancellationToken) => await WithHost(parse, async services =>
        {
            var secret = await services.GetRequiredService<UserService>().CreateSignInLinkAsync(parse.GetValue(upn)!, cancellationToken);
            Console.WriteLine(services.GetRequiredService<PortalUrls>().SignInLink(secret));
        }));
        return command;
    }

    /// <summary>Builds the portal's services without the web server, runs one command, and maps failures to exit codes.</summary>
    internal static async Task<int> WithHost(ParseResult parse, Func<IServiceProvider, Task> run)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = [.. parse.UnmatchedTokens],
            ContentRootPath = Directory.GetCurrentDirectory(),
        });
        builder.Logging.ClearProviders().AddSimpleConsole(console => console.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.AddPortalCore();
        // The web host's variables (ASPNETCORE_URLS), so printed links name the port the portal uses.
        builder.Configuration.AddEnvironmentVariables("ASPNETCORE_");
        builder.Services.AddPortalOptions();
        builder.Services.AddSingleton<PortalUrls>();
        using var host = builder.Build();
        try
        {
            await run(host.Services);
            return 0;
        }
        catch (OptionsValidationException e)
        {
            await Console.Error.WriteLineAsync($"Invalid configuration: {string.Join(" ", e.Failures)}");
        }
        catch (Exception e) when (e is StartupFailureException or ArgumentException)
        {
            await Console.Error.WriteLineAsync(e.Message);
        }
        catch (FluentValidation.ValidationException e)
        {
            await Console.Error.WriteLineAsync(string.Join(Environment.NewLine, e.Errors.Select(error => error.ErrorMessage)));
        }
        catch (DbException e)
        {
            await Console.Error.WriteLineAsync($"Database error: {e.Message} Is the database migrated? Run the migrate command first.");
        }
        return 1;
    }
}
