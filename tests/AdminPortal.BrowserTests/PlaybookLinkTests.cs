using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AdminPortal.Core.Features.Policies;
using AdminPortal.Core.Features.Users;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AdminPortal.BrowserTests;

/// <summary>
/// The seed's steps 6–8 in a real browser: a flow registered through the connector's trigger call appears as a
/// playbook; the admin ticks "Send alerts to Power Automate" in a policy's settings, picks it, saves, and the
/// Playbooks tab lists it with one linked policy.
/// </summary>
public sealed class PlaybookLinkTests(BrowserSession session) : IClassFixture<BrowserSession>
{
    [Fact]
    public async Task AFlowRegisteredByTheConnector_IsPickedInAPolicysSettings_AndShowsOneLinkedPolicy()
    {
        var services = session.Portal.Services;
        var admin = await services.GetRequiredService<UserService>().FindAsync("admin@localhost")
            ?? throw new InvalidOperationException("The bootstrap admin does not exist.");
        var token = await session.AdminTokenAsync("flow");
        var policy = await services.GetRequiredService<PolicyService>().CreateAsync(
            PolicyTemplates.DraftFrom(PolicyTemplates.All.Single(t => t.Id == "mass-download"), admin.Upn), admin.Upn);

        // What Power Automate does when a flow with the trigger "When an alert is generated" is saved.
        using var api = new HttpClient { BaseAddress = new Uri(session.BaseUrl) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Token", token);
        var registration = await api.PostAsJsonAsync("/cas/api/v1/ms_flow/", new
        {
            callback_url = "https://prod-27.westeurope.logic.azure.com:443/workflows/0a1b2c3d4e5f60718293a4b5c6d7e8f9/triggers/manual/paths/invoke?api-version=2016-06-01&sig=browser-test-sig",
        });
        Assert.Equal(HttpStatusCode.Created, registration.StatusCode);
        var playbookId = JsonDocument.Parse(await registration.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;

        await using var context = await session.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.SignInWithLinkAsync(await session.SignInLinkAsync());

        // Policies → the gear → Alerts: tick "Send alerts to Power Automate", pick the flow, save.
        await page.GotoAsync($"{session.BaseUrl}/policies?tab=all");
        await page.WaitForCircuitAsync();
        await page.GetByTestId($"policy-settings-{policy.Id}").ClickAsync();
        var dialog = page.GetByTestId("policy-settings-dialog");
        await Expect(dialog).ToBeVisibleAsync();
        await dialog.GetByText("Send alerts to Power Automate").ClickAsync();
        await dialog.GetByTestId("playbook-picker").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "Power Automate flow 0a1b2c3d" }).ClickAsync();
        // Close the picker's list by clicking elsewhere in the dialog (Escape would close the dialog itself).
        await dialog.GetByTestId("alerts-today").ClickAsync();
        await Expect(dialog.GetByTestId("playbook-picker")).ToHaveValueAsync("Power Automate flow 0a1b2c3d");
        await page.GetByTestId("save-policy-settings").ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);

        // Settings → Security extensions → Playbooks: the flow, enabled, with one linked policy; its URL only masked.
        await page.GotoAsync($"{session.BaseUrl}/settings/security-extensions?tab=playbooks");
        await page.WaitForCircuitAsync();
        var row = page.GetByTestId($"playbook-row-{playbookId}");
        await Expect(row).ToContainTextAsync("Power Automate flow 0a1b2c3d");
        await Expect(row.GetByTestId("playbook-linked-policies")).ToHaveTextAsync("1");
        await Expect(row.GetByTestId("playbook-status")).ToContainTextAsync("Enabled");
        Assert.DoesNotContain("browser-test-sig", await page.ContentAsync());

        var stored = await services.GetRequiredService<PolicyService>().GetAsync(policy.Id);
        Assert.Equal([Guid.Parse(playbookId)], stored!.Playbooks.Select(l => l.PlaybookId));
    }
}
