using AdminPortal.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AdminPortal.Web.Hosting;

public static class HealthSetup
{
    public static WebApplicationBuilder AddPortalHealthChecks(this WebApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");
        return builder;
    }

    /// <summary><c>/healthz</c>: 200 when the database is reachable and migrated, 503 otherwise.</summary>
    public static WebApplication MapPortalHealthChecks(this WebApplication app)
    {
        app.MapHealthChecks("/healthz").AllowAnonymous().DisableHttpMetrics().ExcludeFromDescription();
        return app;
    }
}

public sealed class DatabaseHealthCheck(IDbContextFactory<PortalDbContext> contexts) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            if (!await db.Database.CanConnectAsync(cancellationToken))
                return HealthCheckResult.Unhealthy("The database is unreachable.");
            var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
            return pending.Count == 0
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy($"{pending.Count} migration(s) pending; run the migrate command.");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("The database is unreachable.", e);
        }
    }
}
