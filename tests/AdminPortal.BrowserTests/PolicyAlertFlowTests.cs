using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AdminPortal.BrowserTests;

/// <summary>The core loop in a real browser: a policy from a template, activities through the API, the alert live on the page, closed.</summary>
public sealed class PolicyAlertFlowTests(BrowserSession session) : IClassFixture<BrowserSession>
{
    [Fact]
    public async Task PolicyFromTemplate_MatchingActivities_RaiseAnAlertThatAppearsLive_AndIsClosedAsTruePositive()
    {
        await using var context = await session.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.SignInWithLinkAsync(await session.SignInLinkAsync());

        // Policies → From template → "Activity from a risky IP range" → save as it comes.
        await page.GotoAsync($"{session.BaseUrl}/policies");
        await page.WaitForCircuitAsync();
        await page.GetByTestId("new-from-template").ClickAsync();
        await page.GetByTestId("template-risky-ip").ClickAsync();
        await page.WaitForCircuitAsync();
        await page.GetByTestId("save-policy").ClickAsync();
        await Expect(page).ToHaveURLAsync($"{session.BaseUrl}/policies?tab=threat-detection");
        await Expect(page.GetByText("Activity from a risky IP range").First).ToBeVisibleAsync();

        // The Alerts page is open before the activities arrive: the alert must appear without a reload.
        await page.GotoAsync($"{session.BaseUrl}/alerts");
        await page.WaitForCircuitAsync();
        await Expect(page.GetByText("Activity from a risky IP range")).ToHaveCountAsync(0);

        using var api = new HttpClient { BaseAddress = new Uri(session.BaseUrl) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Token", await session.AdminTokenAsync("ingest"));
        var at = session.Portal.Time.GetUtcNow().ToUnixTimeMilliseconds();
        var ingest = await api.PostAsJsonAsync("/api/v1/activities/ingest/", new object[]
        {
            new { timestamp = at, app = "SharePoint", activityType = "FileDownload", user = "mallory@contoso.com", ipAddress = "198.51.100.23", country = "NL", objectName = "salaries.xlsx" },
            new { timestamp = at, app = "SharePoint", activityType = "FileDownload", user = "alice@contoso.com", ipAddress = "192.0.2.10", country = "NL", objectName = "plan.docx" },
        });
        var answer = JsonDocument.Parse(await ingest.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(2, answer.GetProperty("accepted").GetInt32());
        Assert.Equal(1, answer.GetProperty("alertsCreated").GetInt32());

        var alert = page.GetByText("Activity from a risky IP range").First;
        await Expect(alert).ToBeVisibleAsync();
        await Expect(page.GetByText("mallory@contoso.com").First).ToBeVisibleAsync();

        await alert.ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/alerts/[0-9a-f]{24}$"));
        await page.WaitForCircuitAsync();
        await page.GetByTestId("close-alert").ClickAsync();
        await page.GetByTestId("close-kind-truepositive").ClickAsync();
        await page.GetByTestId("close-comment").FillAsync("Confirmed with the user's manager.");
        await page.GetByTestId("confirm-close").ClickAsync();

        await Expect(page.GetByTestId("alert-status")).ToContainTextAsync("True positive");
        await Expect(page.GetByTestId("alert-comment").First).ToContainTextAsync("Confirmed with the user's manager.");
        var alertId = page.Url[(page.Url.LastIndexOf('/') + 1)..];
        var stored = JsonDocument.Parse(await api.GetStringAsync($"/api/v1/alerts/{alertId}/")).RootElement;
        Assert.Equal(5, stored.GetProperty("resolutionStatusValue").GetInt32());
        Assert.Equal("admin@localhost", stored.GetProperty("handledByUser").GetString());
    }
}
