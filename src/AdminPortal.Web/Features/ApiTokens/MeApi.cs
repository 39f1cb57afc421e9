using System.Security.Claims;

using AdminPortal.Web.Api;

namespace AdminPortal.Web.Features.ApiTokens;

/// <summary><c>GET /api/v1/me/</c>: who a token acts as, with which role.</summary>
public static class MeApi
{
    public sealed record MeResponse(string Upn, string Role, Guid TokenId, string TokenName);

    public static RouteGroupBuilder MapMeApi(this RouteGroupBuilder api)
    {
        api.MapGet("/me/", GetMe).RequireAuthorization(ApiPolicies.Reader).WithSummary("Who the token acts as");
        return api;
    }

    private static Microsoft.AspNetCore.Http.HttpResults.Ok<MeResponse> GetMe(ClaimsPrincipal user) =>
        TypedResults.Ok(new MeResponse(
            user.Identity!.Name!,
            user.FindFirstValue(ClaimTypes.Role)!,
            Guid.Parse(user.FindFirstValue(ApiTokenAuthenticationHandler.TokenIdClaim)!),
            user.FindFirstValue(ApiTokenAuthenticationHandler.TokenNameClaim)!));
}
