using System.Text.RegularExpressions;
using AdminPortal.Core.Features.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AdminPortal.BrowserTests;

/// <summary>The whole Entra ID sign-in, in a real browser, against a real OpenID Connect provider.</summary>
public sealed class EntraSignInTests(EntraSession session) : IClassFixture<EntraSession>
{
    /// <summary>Opens a portal page, signs in at the provider as <paramref name="login"/> and consents.</summary>
    private async Task<IPage> SignInAsync(IBrowserContext context, string login, string path = "/alerts")
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync(session.BaseUrl + path);
        await Expect(page).ToHaveURLAsync(new Regex("^" + Regex.Escape(session.IdentityProviderUrl)));
        await page.Locator("input[name=login]").FillAsync(login);
        await page.Locator("input[name=password]").FillAsync("any password");
        await page.Locator("button.login-submit").ClickAsync();
        // Login and consent share one URL: wait for the consent form, or for a portal page.
        var consent = page.Locator("input[name=prompt][value=consent]");
        var portalPage = page.Locator("link[href='/assets/css/portal.css']");
        await Expect(consent.Or(portalPage)).ToBeAttachedAsync();
        if (await consent.CountAsync() > 0)
            await page.Locator("button.login-submit").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("^" + Regex.Escape(session.BaseUrl)));
        if (page.Url.Contains("error=entra") && login is not ("foreign" or "notid"))
        {
            await using var db = session.Portal.CreateDbContext();
            var reasons = await db.AuditEntries.Where(e => e.Action == AuditActions.SignInFailed).Select(e => e.Details).ToListAsync();
            Assert.Fail($"Sign-in as {login} was refused: {string.Join(" | ", reasons)}");
        }
        return page;
    }

    [Theory]
    [InlineData("admin", "GlobalAdmin")]
    [InlineData("operator", "SecurityOperator")]
    [InlineData("reader", "SecurityReader")]
    public async Task EachRole_SignsIn_AndSeesItsRoleInTheUserMenu(string login, string role)
    {
        await using var context = await session.NewContextAsync();

        var page = await SignInAsync(context, login);

        await Expect(page).ToHaveURLAsync(session.BaseUrl + "/alerts");
        await page.WaitForCircuitAsync();
        await page.GetByTestId("user-menu-button").ClickAsync();
        await Expect(page.GetByTestId("user-role")).ToHaveTextAsync(role);

        // The first sign-in recorded the user with their Entra identity.
        await using var db = session.Portal.CreateDbContext();
        var user = await db.Users.SingleAsync(u => u.Upn == $"{login}@contoso.test");
        Assert.Equal(role, user.Role.ToString());
        Assert.False(string.IsNullOrEmpty(user.ExternalObjectId));
        Assert.False(string.IsNullOrEmpty(user.DisplayName));
    }

    [Fact]
    public async Task Reader_IsRefusedTheGlobalAdminOnlyPage_AdminIsNot()
    {
        await using var readerContext = await session.NewContextAsync();
        var reader = await SignInAsync(readerContext, "reader");
        await reader.GotoAsync(session.BaseUrl + "/audit");
        await Expect(reader.GetByTestId("no-access")).ToBeVisibleAsync();

        await using var adminContext = await session.NewContextAsync();
        var admin = await SignInAsync(adminContext, "admin", "/audit");
        await Expect(admin.GetByRole(AriaRole.Heading, new() { Name = "Audit log" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task UserWithoutARole_LandsOnThePortalsNoAccessPage()
    {
        await using var context = await session.NewContextAsync();

        var page = await SignInAsync(context, "norole");

        await Expect(page.GetByTestId("no-access")).ToBeVisibleAsync();
        Assert.Contains("/no-access", page.Url);
    }

    [Fact]
    public async Task SignOut_ReturnsToThePortalSignedOut_AndAProtectedPageAsksForSignInAgain()
    {
        await using var context = await session.NewContextAsync();
        var page = await SignInAsync(context, "operator");
        await page.WaitForCircuitAsync();

        await page.GetByTestId("user-menu-button").ClickAsync();
        await page.GetByTestId("sign-out").ClickAsync();
        // The provider's sign-out page submits itself and returns to the portal.
        await Expect(page).ToHaveURLAsync(new Regex("/signin\\?signedOut=true$"), new() { Timeout = 15_000 });
        await Expect(page.GetByTestId("signed-out")).ToBeVisibleAsync();

        await page.GotoAsync(session.BaseUrl + "/policies");
        await Expect(page).ToHaveURLAsync(new Regex("^" + Regex.Escape(session.IdentityProviderUrl)));
        await Expect(page.Locator("input[name=login]")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task RolesThatAreNotPortalRoles_GiveNoAccess_AndNoUserRecord()
    {
        await using var context = await session.NewContextAsync();

        var page = await SignInAsync(context, "strange");

        await Expect(page.GetByTestId("no-access")).ToBeVisibleAsync();
        await using var db = session.Portal.CreateDbContext();
        Assert.False(await db.Users.AnyAsync(u => u.Upn == "strange@contoso.test"));
    }

    [Theory]
    [InlineData("foreign")]
    [InlineData("notid")]
    public async Task IdTokenFromAnotherTenantOrWithoutTenant_IsRefused_WithAnAuditEntry(string login)
    {
        await using var context = await session.NewContextAsync();

        var page = await SignInAsync(context, login);

        await Expect(page.GetByTestId("entra-refused")).ToBeVisibleAsync();
        Assert.DoesNotContain(await context.CookiesAsync([session.BaseUrl]), cookie => cookie.Name == "AdminPortal.Auth");
        await using var db = session.Portal.CreateDbContext();
        Assert.True(await db.AuditEntries.AnyAsync(e => e.Action == AuditActions.SignInFailed));
        Assert.True(await db.AuditEntries.AnyAsync(e => e.Action == AuditActions.SignInFailed && e.Details!.Contains("tenant")));
        Assert.False(await db.Users.AnyAsync(u => u.Upn == $"{login}@contoso.test"));
    }
}
