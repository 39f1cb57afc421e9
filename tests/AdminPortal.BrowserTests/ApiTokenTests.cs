using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AdminPortal.BrowserTests;

public sealed class ApiTokenTests(BrowserSession session) : IClassFixture<BrowserSession>
{
    [Fact]
    public async Task Admin_GeneratesACopiesToken_UsesItOnTheApi_RevokesIt_AndTheApiRefusesIt()
    {
        await using var context = await session.Browser.NewContextAsync(new() { Permissions = ["clipboard-read", "clipboard-write"] });
        var page = await context.NewPageAsync();
        await page.SignInWithLinkAsync(await session.SignInLinkAsync());

        await page.GetByTestId("nav").GetByRole(AriaRole.Link, new() { Name = "Security extensions" }).ClickAsync();
        await page.GetByTestId("generate-token").ClickAsync();
        await page.GetByTestId("token-name").FillAsync("Node-RED playbook");
        // The counter is rendered by the server: once it counts the name, the circuit has the value (a busy machine
        // can otherwise deliver the click first).
        await Expect(page.GetByText("17 / 100")).ToBeVisibleAsync();
        await page.GetByTestId("generate-token-confirm").ClickAsync();

        var shown = page.GetByTestId("token-value");
        await Expect(shown).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[0-9a-zA-Z]{64}$"));
        await Expect(page.GetByTestId("portal-url")).ToHaveTextAsync(session.BaseUrl);
        await page.GetByTestId("copy-token").ClickAsync();
        // The copy runs in the browser after a round trip through the circuit: wait for its confirmation.
        await Expect(page.GetByText("Token copied.")).ToBeVisibleAsync();
        var copied = await page.EvaluateAsync<string>("() => navigator.clipboard.readText()");
        Assert.Equal(await shown.TextContentAsync(), copied);
        await page.ScreenshotAsync(new() { Path = Path.Combine(AppContext.BaseDirectory, "token-created.png") });
        await page.GetByTestId("token-created-close").ClickAsync();
        await Expect(shown).ToHaveCountAsync(0);

        using var api = new HttpClient { BaseAddress = new Uri(session.BaseUrl) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Token", copied);
        var me = await api.GetFromJsonAsync<Dictionary<string, object>>("/api/v1/me/");
        Assert.Equal("admin@localhost", me!["upn"].ToString());
        Assert.Equal("GlobalAdmin", me["role"].ToString());

        // The grid never shows the value again; after a use the token is Active.
        await page.ReloadAsync();
        await page.WaitForCircuitAsync();
        var row = page.GetByTestId("token-grid").Locator("tr", new() { HasText = "Node-RED playbook" });
        await Expect(row.GetByTestId("token-status")).ToHaveTextAsync("Active");
        Assert.DoesNotContain(copied, await page.ContentAsync());

        await row.GetByTestId("revoke-token").ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Revoke", Exact = true }).ClickAsync();
        await Expect(row.GetByTestId("token-status")).ToHaveTextAsync("Revoked");

        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("/api/v1/me/")).StatusCode);
    }
}
