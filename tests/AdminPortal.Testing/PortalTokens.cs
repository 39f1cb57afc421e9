using AdminPortal.Core.Features.ApiTokens;
using AdminPortal.Core.Features.Users;
using Microsoft.Extensions.DependencyInjection;

namespace AdminPortal.Testing;

public static class PortalTokens
{
    /// <summary>A new API token of the bootstrap admin (<c>admin@localhost</c>), as if generated on the API tokens tab.</summary>
    public static async Task<string> AdminTokenAsync(this PortalFactory portal, string name)
    {
        var services = portal.Services;
        var admin = await services.GetRequiredService<UserService>().FindAsync("admin@localhost")
            ?? throw new InvalidOperationException("The bootstrap admin does not exist.");
        return (await services.GetRequiredService<ApiTokenService>().CreateAsync(admin.Id, new CreateApiTokenRequest(name, null), admin.Upn)).Value;
    }
}
