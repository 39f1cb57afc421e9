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
        // Polls the address instead of waiting for a load event, which a busy machine can deliver late (or before we listen).
        await Expect(page).Not.ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/signin/link"), new() { Timeout = 30_000 });
        await page.WaitForCircuitAsync();
    }
}
