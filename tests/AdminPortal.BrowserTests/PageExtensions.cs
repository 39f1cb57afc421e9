using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AdminPortal.BrowserTests;

public static class PageExtensions
{
    /// <summary>Blazor renders this marker only once the circuit is live: clicks before it are lost.</summary>
    public static Task WaitForCircuitAsync(this IPage page) =>
        Expect(page.GetByTestId("circuit-ready")).ToBeAttachedAsync();

    public static async Task SignInWithLinkAsync(this IPage page, string link)
    {
        await page.GotoAsync(link);
        await page.GetByTestId("sign-in-continue").ClickAsync();
        // The link page has a circuit of its own: wait for the page signed in to, then for its circuit.
        await page.WaitForURLAsync(url => !url.Contains("/signin/link"));
        await page.WaitForCircuitAsync();
    }
}
