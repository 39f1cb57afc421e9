using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using AdminPortal.Core.Features.Alerts;
using AdminPortal.Core.Features.Dispatch;
using AdminPortal.Core.Features.Policies;
using AdminPortal.Core.Features.Users;
using AdminPortal.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AdminPortal.BrowserTests;

/// <summary>
/// The seed's walkthrough end to end, with the portal's own screens and a real Node-RED running
/// samples/node-red/alert-playbook.json: generate an API token, add Node-RED as a webhook playbook, load the flow
/// with that token and the playbook's secret, send a policy's alerts to the playbook, ingest a matching activity,
/// see the alert arrive live, see Node-RED close it as true positive, and see the delivery (200) and the link.
/// </summary>
public sealed class WalkthroughTests(WalkthroughSession session) : IClassFixture<WalkthroughSession>
{
    [Fact]
    public async Task AnAlert_TriggersTheNodeRedPlaybook_WhichClosesIt_AllThroughThePortalsScreens()
    {
        await using var nodeRed = await NodeRedServer.StartAsync();
        var policy = await session.HighSeverityPolicyAsync("Repeated failed log-ons", "LogOnFailed");

        await using var context = await session.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.SignInWithLinkAsync(await session.SignInLinkAsync());

        // 1. Security extensions → API tokens → Generate token; the value is read from the dialog.
        await page.GetByTestId("nav").GetByRole(AriaRole.Link, new() { Name = "Security extensions" }).ClickAsync();
        await page.WaitForCircuitAsync();
        await page.GetByTestId("generate-token").ClickAsync();
        await page.GetByTestId("token-name").FillAsync("Node-RED playbook");
        await Expect(page.GetByText("17 / 100")).ToBeVisibleAsync(); // the server has the name
        await page.GetByTestId("generate-token-confirm").ClickAsync();
        var tokenValue = page.GetByTestId("token-value");
        await Expect(tokenValue).ToHaveTextAsync(new Regex("^[0-9a-zA-Z]{64}$"));
        var token = (await tokenValue.TextContentAsync())!;
        await page.GetByTestId("token-created-close").ClickAsync();
        await Expect(tokenValue).ToHaveCountAsync(0);

        // 2. Playbooks → Add webhook playbook → Node-RED's endpoint; the signing secret is read from the dialog.
        await page.GotoAsync($"{session.BaseUrl}/settings/security-extensions?tab=playbooks");
        await page.WaitForCircuitAsync();
        await page.GetByTestId("add-playbook").ClickAsync();
        var add = page.GetByTestId("add-playbook-dialog");
        await Expect(add).ToBeVisibleAsync();
        await add.GetByTestId("playbook-name").FillAsync("Node-RED");
        await add.GetByTestId("playbook-url").FillAsync(nodeRed.Url + NodeRedServer.AlertPlaybookPath);
        await add.GetByTestId("playbook-url").BlurAsync();
        await page.GetByTestId("save-playbook").ClickAsync();
        var secretShown = page.GetByTestId("playbook-secret");
        await Expect(secretShown).ToHaveTextAsync(new Regex("^whsec_[A-Za-z0-9+/=]{32,}$"));
        var secret = (await secretShown.TextContentAsync())!;
        await page.GetByTestId("playbook-secret-close").ClickAsync();
        await Expect(secretShown).ToHaveCountAsync(0);
        var playbookId = await session.PlaybookIdAsync("Node-RED");

        // 3. Node-RED gets the sample flow through its admin API, with the token and the secret.
        await nodeRed.DeployAsync(NodeRedServer.AlertPlaybookFlow(session.BaseUrl, token, secret), NodeRedServer.AlertPlaybookPath);

        // 4. Policies → the policy's settings → "Send alerts to Power Automate" → the playbook → Save.
        await page.GotoAsync($"{session.BaseUrl}/policies?tab=all");
        await page.WaitForCircuitAsync();
        await page.GetByTestId($"policy-settings-{policy}").ClickAsync();
        var settings = page.GetByTestId("policy-settings-dialog");
        await Expect(settings).ToBeVisibleAsync();
        await settings.GetByText("Send alerts to Power Automate").ClickAsync();
        await settings.GetByTestId("playbook-picker").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "Node-RED" }).ClickAsync();
        // Close the picker's list by clicking elsewhere in the dialog (Escape would close the dialog itself).
        await settings.GetByTestId("alerts-today").ClickAsync();
        await Expect(settings.GetByTestId("playbook-picker")).ToHaveValueAsync("Node-RED");
        await page.GetByTestId("save-policy-settings").ClickAsync();
        await Expect(settings).ToHaveCountAsync(0);

        // 5. The Alerts page is open when the matching activity is ingested: the alert appears without a reload.
        await page.GotoAsync($"{session.BaseUrl}/alerts");
        await page.WaitForCircuitAsync();
        await Expect(page.GetByText("Repeated failed log-ons")).ToHaveCountAsync(0);
        using var api = new HttpClient { BaseAddress = new Uri(session.BaseUrl) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Token", token);
        using (var ingest = await api.PostAsJsonAsync("/api/v1/activities/ingest/", new object[]
               {
                   new { timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), app = "Office 365", activityType = "LogOnFailed", user = "mallory@contoso.com", ipAddress = "198.51.100.23" },
               }))
            Assert.Equal(1, (await ingest.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("alertsCreated").GetInt32());
        var listed = page.GetByText("Repeated failed log-ons").First;
        await Expect(listed).ToBeVisibleAsync();

        // 6. Node-RED closes it through the API; the alert's page shows it closed as true positive, with the comment.
        var alertId = await session.AlertWhenAsync(policy, a => a.ResolutionStatus == ResolutionStatus.TruePositive, nodeRed);
        await listed.ClickAsync();
        await Expect(page).ToHaveURLAsync($"{session.BaseUrl}/alerts/{alertId}");
        await page.WaitForCircuitAsync();
        await Expect(page.GetByTestId("alert-status")).ToContainTextAsync("True positive");
        await Expect(page.GetByTestId("alert-comment").First).ToContainTextAsync("Closed by Node-RED playbook");

        // 7. The playbook's Deliveries view: delivered, Node-RED answered 200. The flow can close the alert before the
        // dispatcher writes that answer down, and the view shows what is written when it opens.
        await Eventually.WaitAsync(async () =>
            {
                await using var db = session.Portal.CreateDbContext();
                return await db.Deliveries.AsNoTracking().Where(d => d.PlaybookId == playbookId).Select(d => d.State).ToListAsync();
            },
            states => states is [DeliveryState.Delivered], "The Node-RED playbook's delivery", states => string.Join(", ", states), TimeSpan.FromSeconds(15));
        await page.GotoAsync($"{session.BaseUrl}/settings/security-extensions/playbooks/{playbookId}/deliveries");
        await page.WaitForCircuitAsync();
        await Expect(page.GetByTestId("deliveries-title")).ToHaveTextAsync("Deliveries of Node-RED");
        var delivery = page.GetByTestId("delivery-grid").Locator("tr", new() { HasText = "Delivered" });
        await Expect(delivery).ToHaveCountAsync(1);
        await Expect(delivery.GetByTestId("delivery-last-status")).ToContainTextAsync("200");

        // 8. The Playbooks tab lists it, enabled, with one linked policy.
        await page.GotoAsync($"{session.BaseUrl}/settings/security-extensions?tab=playbooks");
        await page.WaitForCircuitAsync();
        var row = page.GetByTestId($"playbook-row-{playbookId}");
        await Expect(row).ToContainTextAsync("Node-RED");
        await Expect(row.GetByTestId("playbook-status")).ToContainTextAsync("Enabled");
        await Expect(row.GetByTestId("playbook-linked-policies")).ToHaveTextAsync("1");
        Assert.DoesNotContain(secret, await page.ContentAsync());
    }
}

/// <summary>
/// The portal for the walkthrough: the system clock (Node-RED checks each signature's timestamp against its own
/// clock) and a dispatcher allowed to reach a Node-RED on 127.0.0.1 over plain http, as the sample's README says.
/// </summary>
public sealed class WalkthroughSession : BrowserSession
{
    protected override void Configure(PortalFactory portal)
    {
        portal.UseSystemClock = true;
        portal.Settings["Dispatch:AllowHttp"] = "true";
        portal.Settings["Dispatch:AllowedNetworks:0"] = "127.0.0.1/32";
    }

    /// <summary>A High-severity policy on one activity type, not yet sending its alerts anywhere.</summary>
    public async Task<string> HighSeverityPolicyAsync(string name, string activityType)
    {
        var draft = new PolicyDraft
        {
            Name = name, Severity = AlertSeverity.High,
            Conditions = [new ConditionDraft { Field = ActivityFields.ActivityType, Values = [activityType] }],
        };
        return (await Portal.Services.GetRequiredService<PolicyService>().CreateAsync(draft, "admin@localhost")).Id;
    }

    public async Task<Guid> PlaybookIdAsync(string name)
    {
        await using var db = Portal.CreateDbContext();
        return await db.Playbooks.Where(p => p.Name == name).Select(p => p.Id).SingleAsync();
    }

    /// <summary>The id of the policy's one alert once <paramref name="condition"/> holds (up to 30 s: Node-RED acts on its own).</summary>
    public async Task<string> AlertWhenAsync(string policyId, Func<Alert, bool> condition, NodeRedServer nodeRed)
    {
        // The deliveries are read along with the alert so that a timeout can tell what the dispatcher did.
        var (alert, _) = await Eventually.WaitAsync(async () =>
            {
                await using var db = Portal.CreateDbContext();
                return (Alert: await db.Alerts.AsNoTracking().SingleOrDefaultAsync(a => a.PolicyId == policyId),
                        Deliveries: await db.Deliveries.AsNoTracking().Select(d => $"{d.State} {d.LastStatusCode} {d.LastError}").ToListAsync());
            },
            read => read.Alert is not null && condition(read.Alert), "The alert",
            read => $"({read.Alert?.ResolutionStatus}); deliveries: " + string.Join("; ", read.Deliveries) + $"\nNode-RED:\n{nodeRed.Log}",
            TimeSpan.FromSeconds(30));
        return alert!.Id;
    }
}
