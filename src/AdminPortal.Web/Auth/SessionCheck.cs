using System.Security.Claims;
using AdminPortal.Core.Features.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;

namespace AdminPortal.Web.Auth;

/// <summary>
/// A session lasts only while its user does: a removed or disabled user is signed out, and a local
/// user's session follows their current role. Checked on every request (cookie) and every minute
/// inside a live Blazor circuit.
/// </summary>
public static class SessionCheck
{
    public const string ObjectIdClaim = "http://schemas.microsoft.com/identity/claims/objectidentifier";

    /// <summary>Whether the session may go on, and the user behind it when there is one.</summary>
    public static async Task<(bool Valid, User? User)> CheckAsync(ClaimsPrincipal principal, SignInMode mode, UserService users, CancellationToken cancellationToken)
    {
        var hasPortalRole = Enum.GetNames<PortalRole>().Any(principal.IsInRole);
        // Without a role an Entra user may do nothing but see the "no access" page: ending the
        // session would only send them round the sign-in loop.
        if (mode.IsEntra && !hasPortalRole)
            return (true, null);

        var user = await FindUserAsync(principal, mode, users, cancellationToken);
        return user is { IsDisabled: false } ? (true, user) : (false, null);
    }

    /// <summary>The users-table row behind a signed-in principal: by Entra object id, else by UPN.</summary>
    public static async Task<User?> FindUserAsync(ClaimsPrincipal principal, SignInMode mode, UserService users, CancellationToken cancellationToken)
    {
        var objectId = principal.FindFirstValue(ObjectIdClaim) ?? principal.FindFirstValue("oid");
        var upn = principal.Identity?.Name;
        return mode.IsEntra && objectId is not null ? await users.FindByObjectIdAsync(objectId, cancellationToken)
            : string.IsNullOrEmpty(upn) ? null
            : await users.FindAsync(upn, cancellationToken);
    }

    /// <summary>Cookie validation: ends the session or, in local mode, renews it with the current role.</summary>
    public static async Task ValidateCookie(CookieValidatePrincipalContext context, SignInMode mode)
    {
        var users = context.HttpContext.RequestServices.GetRequiredService<UserService>();
        var (valid, user) = context.Principal is { } principal ? await CheckAsync(principal, mode, users, context.HttpContext.RequestAborted) : (false, null);
        if (!valid)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        }
        else if (mode.IsLocal && user is not null && !context.Principal!.IsInRole(user.Role.ToString()))
        {
            context.ReplacePrincipal(AuthenticationSetup.LocalPrincipal(user));
            context.ShouldRenew = true;
        }
    }
}

/// <summary>Re-checks the signed-in user inside a live circuit, where no cookie is read again.</summary>
public sealed class RevalidatingPortalAuthenticationStateProvider(ILoggerFactory loggerFactory, IServiceScopeFactory scopes, SignInMode mode)
    : RevalidatingServerAuthenticationStateProvider(loggerFactory)
{
    protected override TimeSpan RevalidationInterval => TimeSpan.FromMinutes(1);

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        if (authenticationState.User.Identity?.IsAuthenticated != true)
            return true;
        await using var scope = scopes.CreateAsyncScope();
        var (valid, user) = await SessionCheck.CheckAsync(authenticationState.User, mode, scope.ServiceProvider.GetRequiredService<UserService>(), cancellationToken);
        return valid && (mode.IsEntra || authenticationState.User.IsInRole(user!.Role.ToString()));
    }
}
