using System.Diagnostics.Metrics;
using System.Net;
using AdminPortal.Core;
using AdminPortal.Core.Features.Dispatch;
using AdminPortal.Core.Features.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace AdminPortal.Web.Hosting;

/// <summary>Who may read <c>/metrics</c> (<c>Metrics:Access</c>).</summary>
public enum MetricsAccess
{
    /// <summary>Callers on this machine (a Prometheus or agent beside the portal) and GlobalAdmins signed in to the portal.</summary>
    LoopbackOrAdmin,
    /// <summary>Anyone who can reach the portal; for a portal only a monitoring network can reach.</summary>
    Anonymous,
    /// <summary>No <c>/metrics</c>: it answers 404.</summary>
    Disabled,
}

/// <summary>The <c>Metrics</c> section.</summary>
public sealed class MetricsOptions
{
    public const string Section = "Metrics";

    /// <summary><see cref="MetricsAccess"/>: <c>LoopbackOrAdmin</c> (default), <c>Anonymous</c> or <c>Disabled</c>.</summary>
    public string Access { get; set; } = nameof(MetricsAccess.LoopbackOrAdmin);

    public MetricsAccess ParsedAccess() => EnumNames.TryParse<MetricsAccess>(Access, out var access) ? access : MetricsAccess.Disabled;
}

public static class MetricsSetup
{
    public const string Path = "/metrics";

    /// <summary>
    /// OpenTelemetry metrics in Prometheus text: the dispatcher's (<see cref="DispatchMetrics"/>) and ASP.NET Core's
    /// own request and connection meters.
    /// </summary>
    public static WebApplicationBuilder AddPortalMetrics(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<MetricsOptions>().BindConfiguration(MetricsOptions.Section)
            .Validate(o => EnumNames.TryParse<MetricsAccess>(o.Access, out _), "Metrics:Access must be LoopbackOrAdmin, Anonymous or Disabled.")
            .ValidateOnStart();
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("AdminPortal"))
            .WithMetrics(metrics => metrics
                .AddMeter(DispatchMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
                // Each scrape is collected afresh: the queue gauges keep their own 5 s reading.
                .AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0));
        // Meters are matched by name across the process: keep only this host's own (and global ones), so that two
        // hosts in one process (the tests' factories) never report each other's values.
        builder.Services.ConfigureOpenTelemetryMeterProvider((services, metrics) =>
        {
            var own = services.GetRequiredService<IMeterFactory>();
            metrics.AddView(instrument => instrument.Meter.Scope is IMeterFactory factory && factory != own ? MetricStreamConfiguration.Drop : null);
        });
        return builder;
    }

    /// <summary><c>/metrics</c>, answered according to <c>Metrics:Access</c>: 404 when disabled, 403 to callers not allowed.</summary>
    public static WebApplication MapPortalMetrics(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint(Path, meterProvider: null, configureBranchedPipeline: scrape => scrape.Use(GateAsync), optionsName: null)
            .AllowAnonymous() // GateAsync decides
            .DisableHttpMetrics()
            .ExcludeFromDescription();
        return app;
    }

    /// <summary>Before the exporter: the access rule, then a fresh queue reading for the gauges.</summary>
    private static async Task GateAsync(HttpContext context, RequestDelegate next)
    {
        var access = context.RequestServices.GetRequiredService<IOptions<MetricsOptions>>().Value.ParsedAccess();
        if (access == MetricsAccess.Disabled)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        if (access == MetricsAccess.LoopbackOrAdmin && !IsLoopback(context) && !await IsSignedInAdminAsync(context))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await context.Response.WriteAsync("Metrics are served to callers on this machine and to signed-in GlobalAdmins (Metrics:Access).");
            return;
        }
        // Read the queue here, asynchronously, so the gauges find a fresh reading when the exporter collects.
        try
        {
            await context.RequestServices.GetRequiredService<DispatchMetrics>().QueueAsync(context.RequestAborted);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The gauges try once more and report nothing if the database stays away; the other metrics are still served.
        }
        await next(context);
    }

    /// <summary>
    /// The caller is on this machine: the connection comes from loopback and, after the trusted proxies' forwarded
    /// headers were applied (<see cref="HostingSetup.UsePortalPipeline"/>), no forwarded address remains that is not loopback.
    /// A reverse proxy on this machine therefore does not make its remote clients local.
    /// </summary>
    public static bool IsLoopback(HttpContext context)
    {
        if (context.Connection.RemoteIpAddress is not { } remote || !IsLoopbackAddress(remote))
            return false;
        foreach (var forwarded in context.Request.Headers["X-Forwarded-For"])
        {
            foreach (var entry in (forwarded ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!IPEndPoint.TryParse(entry, out var endpoint) || !IsLoopbackAddress(endpoint.Address))
                    return false;
            }
        }
        return true;
    }

    private static bool IsLoopbackAddress(IPAddress address) => IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);

    /// <summary>A portal user in role GlobalAdmin, by the portal's sign-in cookie (not an API token).</summary>
    private static async Task<bool> IsSignedInAdminAsync(HttpContext context)
    {
        var cookie = await context.AuthenticateAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        if (!cookie.Succeeded)
            return false;
        var authorization = context.RequestServices.GetRequiredService<IAuthorizationService>();
        return (await authorization.AuthorizeAsync(cookie.Principal, PortalPolicies.Admin)).Succeeded;
    }
}
