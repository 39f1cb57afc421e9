using System.Globalization;
using AdminPortal.Core.Data;
using AdminPortal.Core.Features.Dispatch;
using AdminPortal.Core.Features.Email;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace AdminPortal.Web.Hosting;

public static class HealthSetup
{
    public static WebApplicationBuilder AddPortalHealthChecks(this WebApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database")
            .AddCheck<DispatchHealthCheck>("dispatch", failureStatus: HealthStatus.Degraded)
            .AddCheck<EmailHealthCheck>("email", failureStatus: HealthStatus.Degraded);
        builder.Services.AddOptions<DispatchOptions>()
            .Validate(o => o.StuckAfter > TimeSpan.Zero, "Dispatch:StuckAfter must be positive.");
        return builder;
    }

    /// <summary>
    /// <c>/healthz</c>: 200 when the database is reachable and migrated (Healthy, or Degraded when the delivery queue is
    /// stuck), 503 otherwise. The body is the status, then one line per check that is not healthy.
    /// </summary>
    public static WebApplication MapPortalHealthChecks(this WebApplication app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { ResponseWriter = WriteAsync })
            .AllowAnonymous().DisableHttpMetrics().ExcludeFromDescription();
        return app;
    }

    /// <summary>"Healthy" alone; otherwise the status and, per failing check, its name and description (never an exception's).</summary>
    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        var lines = report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy)
            .Select(e => $"{e.Key}: {e.Value.Description ?? e.Value.Status.ToString()}");
        return context.Response.WriteAsync(string.Join('\n', lines.Prepend(report.Status.ToString())));
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

/// <summary>
/// The shape both queue checks share: Degraded when the queue's oldest waiting item is older than the bound, or when the
/// queue cannot be read; Healthy otherwise.
/// </summary>
internal static class QueueAge
{
    public static async Task<HealthCheckResult> JudgeAsync(HealthCheckContext context, Func<CancellationToken, Task<TimeSpan>> oldest, TimeSpan bound,
        Func<string, string, string> describe, string unreadable, CancellationToken cancellationToken)
    {
        try
        {
            var age = await oldest(cancellationToken);
            return age > bound
                ? new HealthCheckResult(context.Registration.FailureStatus, describe(Format(age), Format(bound)))
                : HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, unreadable, e);
        }
    }

    /// <summary>Whole seconds, days first when there are any: 00:12:31, 1.02:00:00.</summary>
    private static string Format(TimeSpan span) =>
        TimeSpan.FromSeconds(Math.Floor(span.TotalSeconds)).ToString("c", CultureInfo.InvariantCulture);
}

/// <summary>Degraded when the oldest due delivery has waited longer than <see cref="DispatchOptions.StuckAfter"/>.</summary>
public sealed class DispatchHealthCheck(DispatchMetrics metrics, IOptions<DispatchOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        QueueAge.JudgeAsync(context, async token => (await metrics.QueueAsync(token)).OldestDueAge, options.Value.StuckAfter,
            (age, bound) => $"The oldest due delivery has waited {age}, more than Dispatch:StuckAfter ({bound}).",
            "The delivery queue could not be read.", cancellationToken);
}

/// <summary>
/// Degraded when an alert e-mail queued longer ago than <see cref="EmailOptions.StuckAfter"/> is still unsent: the SMTP
/// server refuses or cannot be reached, and the messages are being retried.
/// </summary>
public sealed class EmailHealthCheck(EmailService email, IOptions<EmailOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        !email.IsConfigured
            ? Task.FromResult(HealthCheckResult.Healthy())
            : QueueAge.JudgeAsync(context, email.OldestUnsentAgeAsync, options.Value.StuckAfter,
                (age, bound) => $"The oldest unsent alert e-mail was queued {age} ago, more than Email:StuckAfter ({bound}); its alert's page shows the server's answer.",
                "The e-mail queue could not be read.", cancellationToken);
}
