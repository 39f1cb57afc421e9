using AdminPortal.Core.Features.Users;
using AdminPortal.Web.Auth;
using Microsoft.AspNetCore.Authorization;

namespace AdminPortal.Web.Features.Alerts;

/// <summary>Who looks at alerts: the name their changes are recorded under, and whether they may change alerts at all.</summary>
public sealed record AlertViewer(string Actor, bool CanManage)
{
    public static async Task<AlertViewer> GetAsync(CurrentUser currentUser, IAuthorizationService authorization)
    {
        var (principal, user) = await currentUser.GetAsync();
        // The portal's own Operator policy decides, so the pages follow the same role mapping as the API;
        // a user missing from the users table (or disabled) only reads.
        var canManage = user is not null && (await authorization.AuthorizeAsync(principal, PortalPolicies.Operator)).Succeeded;
        return new AlertViewer(user?.Upn ?? principal.Identity?.Name ?? "", canManage);
    }
}
