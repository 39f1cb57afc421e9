using AdminPortal.Core.Data;
using AdminPortal.Core.Features.Activities;
using AdminPortal.Core.Features.Alerts;
using AdminPortal.Core.Features.ApiTokens;
using AdminPortal.Core.Features.Policies;
using AdminPortal.Core.Features.Audit;
using AdminPortal.Core.Features.Dispatch;
using AdminPortal.Core.Features.Email;
using AdminPortal.Core.Features.Playbooks;
using AdminPortal.Core.Features.Users;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace AdminPortal.Core;

public static class CoreServices
{
    /// <summary>Database and feature services shared by the web app and the CLI.</summary>
    public static IHostApplicationBuilder AddPortalCore(this IHostApplicationBuilder builder)
    {
        builder.AddPortalDatabase();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<UserService>();
        builder.Services.AddSingleton<ApiTokenService>();
        builder.Services.AddSingleton<AuditTrail>();
        builder.Services.AddSingleton<AuditService>();
        builder.Services.AddOptions<IngestOptions>().BindConfiguration(IngestOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<PolicyCatalog>();
        builder.Services.AddSingleton<PolicyService>();
        builder.Services.AddSingleton<PolicyDefaultsService>();
        builder.Services.AddSingleton<AlertSignal>();
        builder.Services.AddSingleton<AlertService>();
        builder.Services.AddSingleton<ActivityService>();
        builder.Services.AddSingleton<ActivityIngestService>();
        builder.Services.AddOptions<DispatchOptions>().BindConfiguration(DispatchOptions.Section)
            .Validate(o => o.AllowedNetworks.All(n => IpAddresses.TryParseNetwork(n, out _)),
                "Dispatch:AllowedNetworks takes CIDR ranges written as their network address, such as 127.0.0.1/32 or 10.20.0.0/16.")
            .Validate(o => o.MaxConcurrency >= 1 && o.PerPlaybookConcurrency >= 1, "Dispatch:MaxConcurrency and Dispatch:PerPlaybookConcurrency must be at least 1.")
            .Validate(o => o.AttemptTimeout > TimeSpan.Zero && o.ConnectTimeout > TimeSpan.Zero && o.PollInterval > TimeSpan.Zero,
                "Dispatch:AttemptTimeout, Dispatch:ConnectTimeout and Dispatch:PollInterval must be positive.")
            // A lease shorter than an attempt would let another instance send the same delivery while this one still waits.
            .Validate(o => o.LeaseDuration > o.AttemptTimeout, "Dispatch:LeaseDuration must be longer than Dispatch:AttemptTimeout.")
            .Validate(o => o.Jitter is >= 0 and < 1 && o.Schedule.All(d => d >= TimeSpan.Zero),
                "Dispatch:Jitter must be from 0 to below 1, and Dispatch:Schedule delays may not be negative.")
            .ValidateOnStart();
        builder.Services.AddSingleton<PlaybookSecrets>();
        builder.Services.AddSingleton<PlaybookService>();
        builder.Services.TryAddSingleton<IPortalAddress, ConfiguredPortalAddress>();
        builder.Services.AddSingleton<SqliteWriteGate>();
        builder.Services.AddPortalEmailOutbox();
        builder.Services.AddSingleton<AlertOutbox>();
        builder.Services.AddSingleton<DispatchSignal>();
        builder.Services.AddSingleton<PlaybookTestAlerts>();
        builder.Services.AddSingleton<DeliveryService>();
        return builder;
    }
}
