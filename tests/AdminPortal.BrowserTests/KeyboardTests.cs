using AdminPortal.Core.Features.Playbooks;
using AdminPortal.Core.Features.Policies;
using AdminPortal.Core.Features.Users;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AdminPortal.BrowserTests;

/// <summary>
/// The two dialogs an admin uses most, with the keyboard only: focus moves with Tab, buttons act on Enter, the
/// checkbox on Space, the playbook list with the arrow keys. No mouse click after signing in.
/// </summary>
public sealed class KeyboardTests(BrowserSession session) : IClassFixture<BrowserSession>
{
    [Fact]
    public async Task GeneratingAToken_WorksWithTheKeyboardOnly()
    {
        var page = await SignedInPageAsync("/settings/security-extensions");

        await TabToAsync(page, page.GetByTestId("generate-token"));
        await page.Keyboard.PressAsync("Enter");
        // The dialog takes the focus; its name field is the next stop.
        await TabToAsync(page, page.GetByTestId("token-name"));
        await page.Keyboard.TypeAsync("Keyboard token");
        await Expect(page.GetByText("14 / 100")).ToBeVisibleAsync();
        await TabToAsync(page, page.GetByTestId("generate-token-confirm"));
        await page.Keyboard.PressAsync("Enter");

        await Expect(page.GetByTestId("token-value")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[0-9a-zA-Z]{64}$"));
        await TabToAsync(page, page.GetByTestId("token-created-close"));
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByTestId("token-value")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("token-grid").Locator("tr", new() { HasText = "Keyboard token" })).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task APolicysSettings_SendItsAlertsToAPlaybook_WithTheKeyboardOnly()
    {
        var services = session.Portal.Services;
        var admin = (await services.GetRequiredService<UserService>().FindAsync("admin@localhost"))!;
        var policy = await services.GetRequiredService<PolicyService>().CreateAsync(
            new PolicyDraft { Name = "Keyboard policy", Conditions = [new ConditionDraft { Field = ActivityFields.ActivityType, Values = ["LogOnFailed"] }] }, admin.Upn);
        var playbook = (await services.GetRequiredService<PlaybookService>().CreateWebhookAsync(new PlaybookViewer(admin.Id, admin.Upn, admin.Role),
            new WebhookPlaybookDraft { Name = "Keyboard playbook", Url = "https://hooks.contoso.com/keyboard" })).Playbook;
        var page = await SignedInPageAsync("/policies?tab=all");

        await TabToAsync(page, page.GetByTestId($"policy-settings-{policy.Id}"));
        await page.Keyboard.PressAsync("Enter");
        var dialog = page.GetByTestId("policy-settings-dialog");
        await Expect(dialog).ToBeVisibleAsync();

        var send = dialog.GetByRole(AriaRole.Checkbox, new() { Name = "Send alerts to Power Automate" });
        await TabToAsync(page, send);
        await page.Keyboard.PressAsync("Space");
        await Expect(send).ToBeCheckedAsync();
        await TabToAsync(page, dialog.GetByTestId("playbook-picker"));
        await page.Keyboard.PressAsync("Enter");
        var option = page.GetByRole(AriaRole.Option, new() { Name = "Keyboard playbook" });
        await Expect(option).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("ArrowDown");
        await page.Keyboard.PressAsync("Enter");
        await Expect(dialog.GetByTestId("playbook-picker")).ToHaveValueAsync("Keyboard playbook");
        // Leaving the multi-select's list: Tab moves on (Escape would close the whole dialog).
        await TabToAsync(page, page.GetByTestId("save-policy-settings"));
        await page.Keyboard.PressAsync("Enter");
        await Expect(dialog).ToHaveCountAsync(0);

        var stored = await services.GetRequiredService<PolicyService>().GetAsync(policy.Id);
        Assert.Equal([playbook.Id], stored!.Playbooks.Select(l => l.PlaybookId));
    }

    private async Task<IPage> SignedInPageAsync(string path)
    {
        var context = await session.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.SignInWithLinkAsync(await session.SignInLinkAsync());
        await page.GotoAsync(session.BaseUrl + path);
        await page.WaitForCircuitAsync();
        return page;
    }

    /// <summary>Presses Tab until <paramref name="target"/> has the focus (at most 60 times), as a keyboard user moves.</summary>
    private static async Task TabToAsync(IPage page, ILocator target)
    {
        await Expect(target).ToBeVisibleAsync();
        for (var presses = 0; presses < 60; presses++)
        {
            if (await target.EvaluateAsync<bool>("element => element === document.activeElement"))
                return;
            await page.Keyboard.PressAsync("Tab");
        }
        Assert.Fail($"Tab never reached {target}.");
    }
}
