using AdminPortal.Core.Data;
using AdminPortal.Web.Auth;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;

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
        builder.Services.AddOptions<PortalOptions>().BindConfiguration(PortalOptions.Section).ValidateOnStart();
        builder.Services.AddOptions<LocalModeOptions>().BindConfiguration(LocalModeOptions.Section);
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
            var signIn = app.Services.GetRequiredService<Auth.SignInMode>();
            if (signIn.IsLocal)
                LocalBinding.EnsureLoopbackOnly(app.Configuration, app.Services.GetRequiredService<IOptions<LocalModeOptions>>().Value);

            var migrator = app.Services.GetRequiredService<DatabaseMigrator>();
            if (database.MigrateOnStartup)
                await migrator.MigrateAsync(app.Lifetime.ApplicationStopping);
            else if (await migrator.PendingAsync(app.Lifetime.ApplicationStopping) is not { Count: 0 })
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
        catch (StartupFailureException e)
        {
            app.Logger.LogCritical("{Reason}", e.Message);
        }
        return false;
    }

    public static WebApplication UsePortalPipeline(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/error", createScopeForErrors: true);
            app.UseHsts();
        }
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.UseStaticFiles(new StaticFileOptions
        {
            RequestPath = "/assets",
            FileProvider = new PhysicalFileProvider(Path.Combine(AppContext.BaseDirectory, "wwwroot-assets")),
        });
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        return app;
    }
}
