using AdminPortal.Core.Data;
using AdminPortal.Core.Features.ApiTokens;
using AdminPortal.Core.Features.Audit;
using AdminPortal.Core.Features.Users;
using Microsoft.Extensions.DependencyInjection;
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
        return builder;
    }
}
