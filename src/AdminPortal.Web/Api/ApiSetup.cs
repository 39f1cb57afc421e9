using System.Threading.RateLimiting;
using AdminPortal.Core.Features.Users;
using AdminPortal.Web.Features.Activities;
using AdminPortal.Web.Features.Alerts;
using AdminPortal.Web.Features.ApiTokens;
using AdminPortal.Web.Features.Playbooks;
using AdminPortal.Web.Features.Policies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.OpenApi;

namespace AdminPortal.Web.Api;

/// <summary>
/// The REST API: token authentication, role policies, per-token rate limits, problem details and
/// OpenAPI. Every route answers under <c>/api/v1</c> and <c>/cas/api/v1</c> (MCAS scripts and the
/// Power Automate connector use the latter).
/// </summary>
public static class ApiSetup
{
    public static readonly string[] Prefixes = ["/api/v1", "/cas/api/v1"];
    public const string TokenRateLimit = "per-token";

    public static WebApplicationBuilder AddPortalApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<BadTokenThrottle>();
        builder.Services.AddAuthentication()
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null);

        // Only the token scheme counts on the API: a portal cookie is never accepted there.
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(ApiPolicies.Reader, policy => policy.AddAuthenticationSchemes(ApiTokenAuthenticationHandler.SchemeName).RequireRole(PortalPolicies.ReaderRoles))
            .AddPolicy(ApiPolicies.Operator, policy => policy.AddAuthenticationSchemes(ApiTokenAuthenticationHandler.SchemeName).RequireRole(PortalPolicies.OperatorRoles))
            .AddPolicy(ApiPolicies.Admin, policy => policy.AddAuthenticationSchemes(ApiTokenAuthenticationHandler.SchemeName).RequireRole(PortalPolicies.AdminRoles));

        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(TokenRateLimit, context =>
            {
                var perMinute = context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<ApiOptions>>().Value.EffectiveRequestsPerMinute;
                var token = context.User.FindFirst(ApiTokenAuthenticationHandler.TokenIdClaim)?.Value
                    ?? "address:" + context.Connection.RemoteIpAddress;
                return RateLimitPartition.GetFixedWindowLimiter(token, _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = perMinute,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                });
            });
            limiter.OnRejected = async (rejected, _) =>
            {
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
                rejected.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString();
                await ApiProblems.WriteAsync(rejected.HttpContext, StatusCodes.Status429TooManyRequests, "Too many requests",
                    "This token's request limit is used up; retry after the number of seconds in Retry-After.");
            };
        });

        builder.Services.AddOpenApi(openApi => openApi.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "AdminPortal API";
            document.Info.Description = "MCAS-compatible alerts API. Every route is also served under /cas/api/v1.";
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[ApiTokenAuthenticationHandler.SchemeName] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = "Authorization",
                Description = "An API token from Settings → Security extensions, sent as 'Token <value>' (or 'Bearer <value>').",
            };
            document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiTokenAuthenticationHandler.SchemeName, document)] = [] }];
            return Task.CompletedTask;
        }));
        return builder;
    }

    public static WebApplication MapPortalApi(this WebApplication app)
    {
        app.MapOpenApi().AllowAnonymous();
        foreach (var prefix in Prefixes)
        {
            var api = app.MapGroup(prefix).RequireRateLimiting(TokenRateLimit).DisableAntiforgery();
            if (prefix != Prefixes[0])
                api.ExcludeFromDescription();
            api.MapMeApi();
            api.MapAlertsApi();
            api.MapActivitiesApi();
            api.MapPoliciesApi();
            api.MapPlaybooksApi();
            api.MapDeliveriesApi();
        }
        return app;
    }
}

/// <summary>Authorization policies of the API: the role a token's owner needs.</summary>
public static class ApiPolicies
{
    public const string Reader = "Api.Reader";
    public const string Operator = "Api.Operator";
    public const string Admin = "Api.Admin";
}
