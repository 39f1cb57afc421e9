using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AdminPortal.BrowserTests;

public sealed class ShellTests(BrowserSession session) : IClassFixture<BrowserSession>
{
    private static Task WaitForCircuit(IPage page) => page.WaitForCircuitAsync();

    private static Task SignIn(IPage page, string link) => page.SignInWithLinkAsync(link);

    [Fact]
    public async Task Admin_SignsInWithTheLink_SeesTheShell_TogglesDarkMode_AndSignsOut()
    {
        await using var context = await session.Browser.NewContextAsync();
        var page = await context.NewPageAsync();

        await SignIn(page, await session.SignInLinkAsync());
        await Expect(page).ToHaveURLAsync(session.BaseUrl + "/");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Alerts", Level = 4 })).ToBeVisibleAsync();
        var nav = page.GetByTestId("nav");
        foreach (var link in new[] { "Alerts", "Policies", "Security extensions", "Audit log" })
            await Expect(nav.GetByRole(AriaRole.Link, new() { Name = link })).ToBeVisibleAsync();

        // Dark mode: toggled live, and remembered across a reload.
        var content = page.Locator("[data-dark-mode]");
        await Expect(content).ToHaveAttributeAsync("data-dark-mode", "false");
        await page.GetByTestId("dark-mode-toggle").ClickAsync();
        await Expect(content).ToHaveAttributeAsync("data-dark-mode", "true");
        await page.ReloadAsync();
        await WaitForCircuit(page);
        await Expect(content).ToHaveAttributeAsync("data-dark-mode", "true");
        await page.ScreenshotAsync(new() { Path = Path.Combine(AppContext.BaseDirectory, "shell-dark.png") });

        // Navigation works inside the circuit.
        await nav.GetByRole(AriaRole.Link, new() { Name = "Policies" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Policies", Level = 4 })).ToBeVisibleAsync();

        // The user menu names the user and role, and signs out.
        await page.GetByTestId("user-menu-button").ClickAsync();
        await Expect(page.GetByTestId("user-role")).ToHaveTextAsync("GlobalAdmin");
        await page.GetByTestId("sign-out").ClickAsync();
        await Expect(page.GetByTestId("signed-out")).ToBeVisibleAsync();

        await page.GotoAsync(session.BaseUrl + "/policies");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/signin\\?ReturnUrl=%2Fpolicies$"));
    }

    [Fact]
    public async Task UsedLink_OpenedAgain_ShowsWhyItWasRefused()
    {
        var link = await session.SignInLinkAsync();
        await using (var first = await session.Browser.NewContextAsync())
        {
            await SignIn(await first.NewPageAsync(), link);
        }

        await using var second = await session.Browser.NewContextAsync();
        var again = await second.NewPageAsync();
        await again.GotoAsync(link);
        await again.GetByTestId("sign-in-continue").ClickAsync();

        await Expect(again.GetByTestId("link-refused")).ToBeVisibleAsync();
    }
}
