using System.Security.Claims;
using AdminPortal.Core.Features.Users;
using AdminPortal.Web.Components.Layout;
using Bunit;
using Bunit.TestDoubles;
using MudBlazor;

namespace AdminPortal.ComponentTests;

public sealed class UserMenuTests : PortalComponentTest
{
    [Theory]
    [InlineData(PortalRole.SecurityReader)]
    [InlineData(PortalRole.SecurityOperator)]
    [InlineData(PortalRole.GlobalAdmin)]
    public void OpeningTheUserMenu_ShowsTheUsersNameUpnAndRole(PortalRole role)
    {
        var authorization = AddPortalAuthorization();
        SignIn(authorization, "ada@contoso.com", "Ada Lovelace", role.ToString());
        UseInteractiveServer();
        var popovers = Render<MudPopoverProvider>();
        var menu = Render<UserMenu>();

        Assert.Equal("Ada Lovelace", menu.Find("[data-testid=user-menu-button]").TextContent.Trim());
        // The activator is the one button (axe: no interactive control nested in another).
        Assert.Equal("button", menu.Find(".mud-menu-activator").GetAttribute("role"));
        Assert.Empty(menu.FindAll(".mud-menu-activator button, .mud-menu-activator a"));
        Assert.Empty(popovers.FindAll("[data-testid=user-details]"));
        menu.Find("[data-testid=user-menu-button]").Click();

        popovers.WaitForAssertion(() => Assert.NotEmpty(popovers.FindAll("[data-testid=user-details]")));
        var details = popovers.Find("[data-testid=user-details]");
        Assert.Contains("Ada Lovelace", details.TextContent);
        Assert.Contains("ada@contoso.com", details.TextContent);
        Assert.Equal(role.ToString(), popovers.Find("[data-testid=user-role]").TextContent.Trim());
    }

    [Fact]
    public void OpeningTheUserMenu_OfAUserWithSeveralRoles_ShowsTheHighest()
    {
        var authorization = AddPortalAuthorization();
        SignIn(authorization, "ada@contoso.com", "Ada Lovelace", "SecurityReader", "GlobalAdmin", "SecurityOperator");
        UseInteractiveServer();
        var popovers = Render<MudPopoverProvider>();
        var menu = Render<UserMenu>();

        menu.Find("[data-testid=user-menu-button]").Click();

        popovers.WaitForAssertion(() => Assert.Equal("GlobalAdmin", popovers.Find("[data-testid=user-role]").TextContent.Trim()));
    }

    [Fact]
    public void OpeningTheUserMenu_OfAUserWithoutAPortalRole_SaysNoRole()
    {
        var authorization = AddPortalAuthorization();
        SignIn(authorization, "ada@contoso.com", "Ada Lovelace");
        UseInteractiveServer();
        var popovers = Render<MudPopoverProvider>();
        var menu = Render<UserMenu>();

        menu.Find("[data-testid=user-menu-button]").Click();

        popovers.WaitForAssertion(() => Assert.Equal("No role", popovers.Find("[data-testid=user-role]").TextContent.Trim()));
    }

    [Fact]
    public void UserMenu_WithoutANameClaim_ShowsTheUpn()
    {
        var authorization = AddPortalAuthorization();
        authorization.SetAuthorized("ada@contoso.com");
        authorization.SetRoles("SecurityReader");
        UseInteractiveServer();
        Render<MudPopoverProvider>();

        var menu = Render<UserMenu>();

        Assert.Equal("ada@contoso.com", menu.Find("[data-testid=user-menu-button]").TextContent.Trim());
    }

    [Fact]
    public void OpeningTheUserMenu_OffersASignOutFormPostingToSignOutWithAnAntiforgeryToken()
    {
        var authorization = AddPortalAuthorization();
        SignIn(authorization, "ada@contoso.com", "Ada Lovelace", "SecurityReader");
        UseInteractiveServer();
        var popovers = Render<MudPopoverProvider>();
        var menu = Render<UserMenu>();

        menu.Find("[data-testid=user-menu-button]").Click();

        popovers.WaitForAssertion(() => Assert.NotEmpty(popovers.FindAll("form")));
        var form = popovers.Find("form");
        Assert.Equal("post", form.GetAttribute("method"));
        Assert.Equal("/signout", form.GetAttribute("action"));
        var signOut = form.QuerySelector("button[data-testid=sign-out]");
        Assert.NotNull(signOut);
        Assert.Equal("submit", signOut.GetAttribute("type"));
        var token = form.QuerySelector($"input[type=hidden][name={AntiforgeryFieldName}]");
        Assert.Equal(AntiforgeryTokenValue, token?.GetAttribute("value"));
    }

    [Fact]
    public void UserMenu_ForAnAnonymousUser_RendersNothing()
    {
        var authorization = AddPortalAuthorization();
        authorization.SetNotAuthorized();
        UseInteractiveServer();
        Render<MudPopoverProvider>();

        var menu = Render<UserMenu>();

        Assert.Empty(menu.FindAll("[data-testid=user-menu-button]"));
        Assert.Empty(menu.FindAll("form"));
    }

    [Fact]
    public void MainLayout_ShowsTheUserMenuOfTheSignedInUser()
    {
        var authorization = AddPortalAuthorization();
        SignIn(authorization, "ada@contoso.com", "Ada Lovelace", "SecurityOperator");
        UseInteractiveServer();
        var layout = Render<MainLayout>(p => p.Add(l => l.Body, (Microsoft.AspNetCore.Components.RenderFragment)(b => b.AddContent(0, "page"))));

        layout.Find("[data-testid=user-menu-button]").Click();

        layout.WaitForAssertion(() => Assert.Equal("SecurityOperator", layout.Find("[data-testid=user-role]").TextContent.Trim()));
    }

    /// <summary>Roles before claims: bUnit's SetRoles rebuilds the principal without the claims.</summary>
    private static void SignIn(BunitAuthorizationContext authorization, string upn, string name, params string[] roles)
    {
        authorization.SetAuthorized(upn);
        authorization.SetRoles(roles);
        authorization.SetClaims(new Claim("name", name));
    }
}
