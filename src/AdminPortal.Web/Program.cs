using AdminPortal.Core;
using AdminPortal.Core.Features.Dispatch;
using AdminPortal.Core.Features.Email;
using AdminPortal.Web.Api;
using AdminPortal.Web.Auth;
using AdminPortal.Web.Cli;
using AdminPortal.Web.Components;
using AdminPortal.Web.Features.Connector;
using AdminPortal.Web.Hosting;

// `AdminPortal.Web migrate`, `user add …`, `signin-link …`: the same executable is the CLI.
if (PortalCli.IsCommand(args))
    return await PortalCli.RunAsync(args);

var builder = WebApplication.CreateBuilder(args);
builder.AddPortalHosting();
builder.AddPortalCore();
builder.AddPortalDispatcher();
builder.AddPortalEmail();
builder.AddPortalAuthentication();
builder.AddPortalApi();
builder.AddPortalUi();
builder.AddPortalHealthChecks();
builder.AddPortalMetrics();

var app = builder.Build();

// Check settings and migrate before anything listens: a bad setting stops here with one line.
if (!await app.PrepareAsync())
{
    await app.DisposeAsync(); // flushes the console logger, so the one line is really written
    return 1;
}

app.UsePortalPipeline();
app.MapPortalHealthChecks();
app.MapPortalMetrics();
app.MapPortalAuthentication();
app.MapPortalApi();
app.MapConnector();
app.MapPortalUi();

await app.RunAsync();
return 0;
public partial class Program;
