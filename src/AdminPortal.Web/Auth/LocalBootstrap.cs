using AdminPortal.Core.Features.Users;
using AdminPortal.Web.Hosting;
using Microsoft.Extensions.Options;

namespace AdminPortal.Web.Auth;

/// <summary>Local mode start: the bootstrap GlobalAdmin exists and gets a fresh one-time sign-in link.</summary>
public static class LocalBootstrap
{
    public static async Task PrepareAsync(WebApplication app)
    {
        var users = app.Services.GetRequiredService<UserService>();
        var upn = app.Services.GetRequiredService<IOptions<LocalModeOptions>>().Value.AdminUpn;
        await users.EnsureBootstrapAdminAsync(upn);
        var secret = await users.CreateSignInLinkAsync(upn);

        // Printed, not logged: the link is a credential and log sinks keep things.
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var link = app.Services.GetRequiredService<PortalUrls>().SignInLink(secret);
            Console.WriteLine();
            Console.WriteLine($"  Sign in as {upn} (GlobalAdmin) with this one-time link, valid for {UserService.SignInLinkLifetime.TotalMinutes:0} minutes:");
            Console.WriteLine($"  {link}");
            Console.WriteLine($"  A new one: dotnet run --project src/AdminPortal.Web -- signin-link --upn {upn}");
            Console.WriteLine();
        });
    }
}
