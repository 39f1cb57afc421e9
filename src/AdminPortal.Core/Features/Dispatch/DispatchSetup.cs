using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AdminPortal.Core.Features.Dispatch;

public static class DispatchSetup
{
    /// <summary>
    /// The dispatcher that sends the outbox (the web app; CLI commands only queue). Its HTTP client checks every
    /// address it connects to (<see cref="ConnectGuard"/>), never follows redirects and has no overall timeout of
    /// its own: each attempt has <see cref="DispatchOptions.AttemptTimeout"/>.
    /// </summary>
    public static IHostApplicationBuilder AddPortalDispatcher(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<DeliverySender>();
        builder.Services.AddSingleton<DispatchMetrics>();
        // One instance: the hosted service, and the outbox's handoff to it.
        builder.Services.AddSingleton<DispatcherService>();
        builder.Services.AddHostedService(services => services.GetRequiredService<DispatcherService>());
        builder.Services.AddHttpClient(DeliverySender.ClientName)
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan)
            // The factory's request logs name the URL, whose path can be the secret (n8n, Logic Apps); the
            // dispatcher logs attempts itself, masked.
            .RemoveAllLoggers()
            .ConfigurePrimaryHttpMessageHandler(services =>
            {
                var settings = services.GetRequiredService<IOptions<DispatchOptions>>().Value;
                return new SocketsHttpHandler
                {
                    AllowAutoRedirect = false,
                    ConnectTimeout = settings.ConnectTimeout,
                    ConnectCallback = ConnectGuard.Create(settings.ParsedAllowedNetworks()),
                    UseCookies = false,
                    // Through a proxy the guard would judge the proxy's address, not the target's.
                    UseProxy = false,
                    // A playbook's DNS may move (Logic Apps regions): do not keep a connection forever.
                    PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                };
            })
            // The handler is built once per client lifetime; keep it so connections are reused across attempts.
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan);
        return builder;
    }
}
