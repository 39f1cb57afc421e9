using System.Net;
using AdminPortal.Core.Data;
using AdminPortal.Web.Auth;
using AdminPortal.Core.Features.Users;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;

using AdminPortal.Web.Api;

namespace AdminPortal.Web.Hosting;

public static class HostingSetup
{
    public static WebApplicationBuilder AddPortalHosting(this WebApplicationBuilder builder)
    {
        // One line per message: a start-up failure reads as one clear line, not a wall.
        builder.Logging.AddSimpleConsole(console => console.SingleLine = true);
        // MudBlazor's and Blazor's files are served from the build output in every environment,
        // not only Development (a no-op for a published app).
        builder.WebHost.UseStaticWebAssets();
        // Read header values as UTF-8 instead of refusing non-ASCII before any middleware runs:
        // a bad Authorization header then gets the API's own problem details (401), not a bare 400.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.RequestHeaderEncodingSelector = _ => System.Text.Encoding.UTF8);
        builder.Services.AddPortalOptions();
        // Behind a TLS-terminating proxy (trusted: loopback by default, ForwardedHeaders:KnownProxies
        // for others), redirects and the Entra redirect URI use the original scheme and host.
        builder.Services.Configure<ForwardedHeadersOptions>(forwarded =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            foreach (var proxy in KnownProxies(builder.Configuration))
                forwarded.KnownProxies.Add(proxy);
        });
        builder.Services.AddProblemDetails();
        // Keys in the database: every instance behind a load balancer reads the same cookies.
        builder.Services.AddDataProtection().SetApplicationName("AdminPortal").PersistKeysToDbContext<PortalDbContext>();
        return builder;
    }

    /// <summary>
    /// Validates settings, refuses a remote binding in local mode and applies migrations.
    /// Returns false (after logging one line) when the portal must not start.
    /// </summary>
    public static async Task<bool> PrepareAsync(this WebApplication app)
    {
        try
        {
            var database = app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            _ = app.Services.GetRequiredService<IOptions<PortalOptions>>().Value;
            // Read here so a bad value stops the start with one line, not a stack trace from the hosted services.
            _ = app.Services.GetRequiredService<IOptions<AdminPortal.Core.Features.Dispatch.DispatchOptions>>().Value;
            _ = app.Services.GetRequiredService<IOptions<MetricsOptions>>().Value;
            _ = app.Services.GetRequiredService<IOptions<AdminPortal.Core.Features.Email.EmailOptions>>().Value;
            _ = KnownProxies(app.Configuration).ToList();
            var signIn = app.Services.GetRequiredService<SignInMode>();
            if (signIn.IsLocal)
                LocalBinding.EnsureLoopbackOnly(app.Configuration, app.Services.GetRequiredService<IOptions<LocalModeOptions>>().Value);
            else
                SignInMode.EnsureEntraSettings(app.Configuration);

            var migrator = app.Services.GetRequiredService<DatabaseMigrator>();
            if (database.MigrateOnStartup)
                await migrator.MigrateAsync(app.Lifetime.ApplicationStopping);
            else if ((await migrator.PendingAsync(app.Lifetime.ApplicationStopping)).Count > 0)
            {
                // Serve /healthz (503) so the operator sees why; nothing that needs the schema runs.
                app.Logger.LogWarning("The database is not migrated and Database:MigrateOnStartup is false: run the migrate command.");
                return true;
            }

            if (signIn.IsLocal)
                await LocalBootstrap.PrepareAsync(app);
            return true;
        }
        catch (OptionsValidationException e)
        {
            app.Logger.LogCritical("Invalid configuration: {Failures}", string.Join(" ", e.Failures));
        }
        catch (Exception e) when (e is StartupFailureException or ArgumentException)
        {
            app.Logger.LogCritical("{Reason}", e.Message);
        }
        return false;
    }

    /// <summary><c>ForwardedHeaders:KnownProxies</c>: IP addresses of trusted reverse proxies besides loopback.</summary>
    private static IEnumerable<IPAddress> KnownProxies(IConfiguration configuration)
    {
        foreach (var proxy in configuration.GetSection("ForwardedHeaders:KnownProxies").Get<string[]>() ?? [])
        {
            yield return IPAddress.TryParse(proxy, out var address)
                ? address
                : throw new StartupFailureException($"ForwardedHeaders:KnownProxies: '{proxy}' is not an IP address.");
        }
    }

    /// <summary>Portal and local-mode settings, validated at start (also by the CLI).</summary>
    public static IServiceCollection AddPortalOptions(this IServiceCollection services)
    {
        services.AddOptions<PortalOptions>().BindConfiguration(PortalOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<LocalModeOptions>().BindConfiguration(LocalModeOptions.Section)
            .Validate(local => UserService.IsPlausibleUpn(UserService.NormalizeUpn(local.AdminUpn)),
                "LocalMode:AdminUpn must be a user principal name such as admin@localhost.")
            .ValidateOnStart();
        return services;
    }

    public static WebApplication UsePortalPipeline(this WebApplication app)
    {
        app.UseForwardedHeaders();
        app.Use((context, next) =>
        {
            // No framing (clickjacking), no MIME sniffing, and no sign-in link leaking through Referer.
            var headers = context.Response.Headers;
            headers.XFrameOptions = "DENY";
            headers.ContentSecurityPolicy = "frame-ancestors 'none'";
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            return next(context);
        });
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/error", createScopeForErrors: true);
            app.UseHsts();
        }
        // API errors are problem details; portal pages get the "not found" page.
        app.UseWhen(ApiProblems.IsApiRequest, api => api.UseStatusCodePages());
        app.UseWhen(context => !ApiProblems.IsApiRequest(context),
            portal => portal.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true));
        app.UseStaticFiles(new StaticFileOptions
        {
            RequestPath = "/assets",
            FileProvider = new PhysicalFileProvider(Path.Combine(AppContext.BaseDirectory, "wwwroot-assets")),
        });
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseAntiforgery();
        return app;
    }
}
