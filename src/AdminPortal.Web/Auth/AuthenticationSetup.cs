using System.Security.Claims;
using AdminPortal.Core.Features.Audit;
using AdminPortal.Core.Features.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Identity.Web;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace AdminPortal.Web.Auth;

public static class AuthenticationSetup
{
    public const string SignInPath = "/signin";
    public const string NoAccessPath = "/no-access";

    public static WebApplicationBuilder AddPortalAuthentication(this WebApplicationBuilder builder)
    {
        var mode = SignInMode.From(builder.Configuration);
        builder.Services.AddSingleton(mode);

        if (mode.IsEntra)
        {
            builder.Services.AddAuthentication(OpenIdConnectDefaults.AuthenticationScheme)
                .AddMicrosoftIdentityWebApp(builder.Configuration.GetSection("AzureAd"));
            var tenantId = builder.Configuration["AzureAd:TenantId"];
            builder.Services.Configure<OpenIdConnectOptions>(OpenIdConnectDefaults.AuthenticationScheme, oidc => ConfigureEntraSignIn(oidc, tenantId));
            builder.Services.PostConfigure<OpenIdConnectOptions>(OpenIdConnectDefaults.AuthenticationScheme,
                oidc => UseStrictIssuer(oidc, builder.Configuration["AzureAd:TokenValidationParameters:ValidIssuer"]));
        }
        else
        {
            builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie();
        }

        builder.Services.Configure<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme, cookie =>
        {
            cookie.Cookie.Name = "AdminPortal.Auth";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            // Local mode is loopback-only plain HTTP; Entra mode runs behind HTTPS.
            cookie.Cookie.SecurePolicy = mode.IsEntra ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
            cookie.LoginPath = SignInPath;
            cookie.AccessDeniedPath = NoAccessPath;
            cookie.ExpireTimeSpan = TimeSpan.FromHours(8);
            cookie.SlidingExpiration = true;
            cookie.Events.OnValidatePrincipal = context => SessionCheck.ValidateCookie(context, mode);
        });

        builder.Services.AddAntiforgery(antiforgery =>
        {
            antiforgery.Cookie.Name = "AdminPortal.Antiforgery";
            antiforgery.Cookie.SecurePolicy = mode.IsEntra ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
        });

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(PortalPolicies.Reader, policy => policy.RequireRole(PortalPolicies.ReaderRoles))
            .AddPolicy(PortalPolicies.Operator, policy => policy.RequireRole(PortalPolicies.OperatorRoles))
            .AddPolicy(PortalPolicies.Admin, policy => policy.RequireRole(PortalPolicies.AdminRoles));
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddScoped<AuthenticationStateProvider, RevalidatingPortalAuthenticationStateProvider>();
        builder.Services.AddScoped<CurrentUser>();
        return builder;
    }

    /// <summary>The principal of a local user: UPN as name, the portal role as role claim.</summary>
    public static ClaimsPrincipal LocalPrincipal(User user) => new(new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()),
            new Claim(ClaimTypes.Name, user.Upn),
            new Claim("name", user.DisplayName ?? user.Upn),
            new Claim(ClaimTypes.Role, user.Role.ToString()),
        ],
        CookieAuthenticationDefaults.AuthenticationScheme, ClaimTypes.Name, ClaimTypes.Role));

    /// <summary>
    /// <c>AzureAd:TokenValidationParameters:ValidIssuer</c>: only ID tokens from exactly this issuer
    /// (production: <c>https://login.microsoftonline.com/{tenantid}/v2.0</c>) are accepted, instead of
    /// Microsoft.Identity.Web's multi-tenant-aware issuer check. Applied after Identity.Web's own setup.
    /// </summary>
    public static void UseStrictIssuer(OpenIdConnectOptions options, string? validIssuer)
    {
        if (string.IsNullOrWhiteSpace(validIssuer))
            return;
        options.TokenValidationParameters.ValidateIssuer = true;
        options.TokenValidationParameters.ValidIssuer = validIssuer;
        options.TokenValidationParameters.ValidIssuers = null;
        options.TokenValidationParameters.IssuerValidator = null;
    }

    private static void ConfigureEntraSignIn(OpenIdConnectOptions options, string? tenantId)
    {
        // A refused sign-in (tampered, expired or foreign token, replayed state…) ends on the portal's
        // own sign-in page with a clear message and an audit entry: never a 500, never a session.
        var previousFailure = options.Events.OnRemoteFailure;
        options.Events.OnRemoteFailure = async context =>
        {
            await previousFailure(context);
            var audit = context.HttpContext.RequestServices.GetRequiredService<AuditTrail>();
            await audit.WriteAsync("anonymous", AuditActions.SignInFailed, "EntraId", null,
                context.Failure?.Message ?? "sign-in refused", context.HttpContext.Connection.RemoteIpAddress?.ToString());
            context.Response.Redirect(SignInPath + "?error=entra");
            context.HandleResponse();
        };

        // Authorization code flow (with PKCE): the ID token comes from the token endpoint, not the browser.
        options.ResponseType = OpenIdConnectResponseType.Code;
        // Keeps the ID token for sign-out (id_token_hint): the provider then returns to the portal
        // instead of asking which account to sign out.
        options.SaveTokens = true;
        var previous = options.Events.OnTokenValidated;
        options.Events.OnTokenValidated = async context =>
        {
            await previous(context);
            // A single-tenant portal takes ID tokens of its own tenant only: the tid claim must say so.
            var tokenTenant = context.Principal?.FindFirstValue("http://schemas.microsoft.com/identity/claims/tenantid")
                ?? context.Principal?.FindFirstValue("tid");
            if (Guid.TryParse(tenantId, out var expected) && (!Guid.TryParse(tokenTenant, out var actual) || actual != expected))
            {
                context.Fail($"The ID token's tenant ({tokenTenant ?? "none"}) is not the portal's tenant.");
                return;
            }
            if (context.Principal is { } principal)
            {
                var users = context.HttpContext.RequestServices.GetRequiredService<UserService>();
                await users.RecordEntraSignInAsync(
                    upn: principal.FindFirstValue("preferred_username") ?? principal.Identity?.Name ?? "",
                    displayName: principal.FindFirstValue("name"),
                    objectId: principal.FindFirstValue("http://schemas.microsoft.com/identity/claims/objectidentifier") ?? principal.FindFirstValue("oid"),
                    roles: principal.FindAll(ClaimTypes.Role).Select(c => c.Value).Concat(principal.FindAll("roles").Select(c => c.Value)),
                    clientAddress: context.HttpContext.Connection.RemoteIpAddress?.ToString(),
                    context.HttpContext.RequestAborted);
            }
        };
    }
}
