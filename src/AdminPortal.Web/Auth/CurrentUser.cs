using System.Security.Claims;
using AdminPortal.Core.Features.Users;
using Microsoft.AspNetCore.Components.Authorization;

namespace AdminPortal.Web.Auth;

/// <summary>The signed-in user of a Blazor circuit, with their users-table row.</summary>
public sealed class CurrentUser(AuthenticationStateProvider authentication, UserService users, SignInMode mode)
{
    public async Task<(ClaimsPrincipal Principal, User? User)> GetAsync(CancellationToken cancellationToken = default)
    {
        var principal = (await authentication.GetAuthenticationStateAsync()).User;
        var user = principal.Identity?.IsAuthenticated == true
            ? await SessionCheck.FindUserAsync(principal, mode, users, cancellationToken)
            : null;
        return (principal, user is { IsDisabled: false } ? user : null);
    }
}
