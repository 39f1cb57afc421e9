using AdminPortal.Core.Features.Users;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace AdminPortal.Web.Auth;

public static class AuthEndpoints
{
    public static WebApplication MapPortalAuthentication(this WebApplication app)
    {
        var mode = app.Services.GetRequiredService<SignInMode>();
        if (mode.IsLocal)
            app.MapPost("/signin/link", RedeemLink).AllowAnonymous().ExcludeFromDescription();
        else
            app.MapGet("/signin/entra", (string? returnUrl) =>
                Results.Challenge(new AuthenticationProperties { RedirectUri = ReturnUrls.Safe(returnUrl) }, [OpenIdConnectDefaults.AuthenticationScheme]))
                .AllowAnonymous().ExcludeFromDescription();

        app.MapPost("/signout", (SignInMode signInMode) =>
        {
            var properties = new AuthenticationProperties { RedirectUri = AuthenticationSetup.SignInPath + "?signedOut=true" };
            return signInMode.IsEntra
                ? Results.SignOut(properties, [CookieAuthenticationDefaults.AuthenticationScheme, OpenIdConnectDefaults.AuthenticationScheme])
                : Results.SignOut(properties, [CookieAuthenticationDefaults.AuthenticationScheme]);
        }).WithMetadata(new RequireAntiforgeryTokenAttribute()).ExcludeFromDescription();
        return app;
    }

    private static async Task<RedirectHttpResult> RedeemLink([FromForm] string? secret, [FromForm] string? returnUrl, HttpContext http, UserService users)
    {
        var user = await users.RedeemSignInLinkAsync(secret ?? "", http.Connection.RemoteIpAddress?.ToString(), http.RequestAborted);
        if (user is null)
            return TypedResults.LocalRedirect(AuthenticationSetup.SignInPath + "?error=link");

        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, AuthenticationSetup.LocalPrincipal(user));
        return TypedResults.LocalRedirect(ReturnUrls.Safe(returnUrl));
    }
}
