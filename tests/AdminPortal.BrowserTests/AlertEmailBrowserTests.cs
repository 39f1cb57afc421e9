using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AdminPortal.Testing;
using Deque.AxeCore.Playwright;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AdminPortal.BrowserTests;

/// <summary>The portal with a real SMTP server on loopback, for the e-mail screens.</summary>
public sealed class EmailBrowserSession : BrowserSession, IAsyncLifetime
{
    public SmtpSink Smtp { get; } = SmtpSink.Start();

    protected override void Configure(PortalFactory portal)
    {
        portal.Settings["Email:Host"] = Smtp.Host;
        portal.Settings["Email:Port"] = Smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        portal.Settings["Email:UseStartTls"] = "false";
        portal.Settings["Email:From"] = "AdminPortal <alerts@contoso.com>";
    }

    public new async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Smtp.DisposeAsync();
    }
}

/// <summary>
/// Alert e-mail through the portal's own screens, in a real browser, against a real SMTP server: the test e-mail
/// from Settings → E-mail, a policy set to e-mail its alerts, and the alert's page saying the message was sent.
/// </summary>
public sealed class AlertEmailBrowserTests(EmailBrowserSession session) : IClassFixture<EmailBrowserSession>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task AnAdmin_SendsATestEmail_SetsAPolicyToEmailItsAlerts_AndSeesTheAlertsEmailSent()
    {
        await using var context = await session.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.SignInWithLinkAsync(await session.SignInLinkAsync());

        // Settings → E-mail: the server in use, and a test e-mail that arrives.
        await page.GotoAsync($"{session.BaseUrl}/settings/email");
        await page.WaitForCircuitAsync();
        await Expect(page.GetByTestId("email-host")).ToHaveTextAsync(session.Smtp.Host);
        await Expect(page.GetByTestId("email-password")).ToHaveTextAsync("Not set");
        var axe = await page.RunAxe();
        Assert.Empty(axe.Violations.Where(v => v.Impact is "serious" or "critical").Select(v => $"{v.Id}: {v.Help}"));
        await page.GetByTestId("test-email-address").FillAsync("soc@contoso.com");
        await page.GetByTestId("send-test-email").ClickAsync();
        await Expect(page.GetByTestId("test-email-result")).ToContainTextAsync("Test e-mail sent to soc@contoso.com.");
        var test = Assert.Single(await session.Smtp.WaitForMessagesAsync(1, Wait)).Parse();
        Assert.Equal("soc@contoso.com", Assert.Single(test.To.Mailboxes).Address);

        // A policy's settings: "Send alert as email" to two recipients.
        using var api = new HttpClient { BaseAddress = new Uri(session.BaseUrl) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Token", await session.AdminTokenAsync("e-mail"));
        var created = await api.PostAsJsonAsync("/api/v1/policies/", new
        {
            name = "Failed log-on from abroad", severity = 2,
            conditions = new[] { new { field = "activityType", @operator = "equals", values = new[] { "LogOnFailed" } } },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var policyId = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("_id").GetString()!;
        await page.GotoAsync($"{session.BaseUrl}/policies?tab=all");
        await page.WaitForCircuitAsync();
        await page.GetByTestId($"policy-settings-{policyId}").ClickAsync();
        await Expect(page.GetByTestId("policy-settings-dialog")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("email-not-configured")).ToHaveCountAsync(0);
        var settings = page.GetByTestId("policy-settings-dialog");
        await settings.GetByText("Send alert as email").ClickAsync();
        await settings.GetByTestId("email-recipients").FillAsync("soc@contoso.com\nciso@contoso.com");
        await page.GetByTestId("save-policy-settings").ClickAsync();
        await Expect(page.GetByTestId("policy-settings-dialog")).ToHaveCountAsync(0);

        var at = session.Portal.Time.GetUtcNow().ToUnixTimeMilliseconds();
        var ingest = await api.PostAsJsonAsync("/api/v1/activities/ingest/", new[]
        {
            new { timestamp = at, app = "Office 365", activityType = "LogOnFailed", user = "mallory@contoso.com", ipAddress = "203.0.113.7", country = "KP" },
        });
        Assert.Equal(1, JsonDocument.Parse(await ingest.Content.ReadAsStringAsync()).RootElement.GetProperty("alertsCreated").GetInt32());
        var mails = (await session.Smtp.WaitForMessagesAsync(3, Wait)).Skip(1).Select(m => m.Parse()).ToList();
        Assert.Equal(["ciso@contoso.com", "soc@contoso.com"], mails.Select(m => Assert.Single(m.To.Mailboxes).Address).Order());
        Assert.All(mails, m => Assert.Equal("[High] Failed log-on from abroad", m.Subject));

        // The alert's page lists both messages as sent, next to its deliveries (the outcome is written just after the server's answer).
        var alertId = mails[0].Headers["X-AdminPortal-Alert-Id"]!;
        await SentAsync(alertId, count: 2);
        await page.GotoAsync($"{session.BaseUrl}/alerts/{alertId}");
        await page.WaitForCircuitAsync();
        var rows = page.GetByTestId("alert-emails").GetByTestId("alert-email-row");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(rows.GetByTestId("alert-email-state").Filter(new() { HasText = "Sent" })).ToHaveCountAsync(2);

        // The policy's settings count them.
        await page.GotoAsync($"{session.BaseUrl}/policies?tab=all");
        await page.WaitForCircuitAsync();
        await page.GetByTestId($"policy-settings-{policyId}").ClickAsync();
        await Expect(page.GetByTestId("email-counts-today")).ToContainTextAsync("2 sent · 0 failed · 0 held back by the daily limit · 0 waiting");
    }

    private Task SentAsync(string alertId, int count) =>
        Eventually.WaitAsync(async () =>
            {
                await using var db = session.Portal.CreateDbContext();
                return await db.AlertEmails.Where(e => e.AlertId == alertId).Select(e => e.State).ToListAsync();
            },
            states => states.Count == count && states.All(s => s == Core.Features.Email.AlertEmailState.Sent), $"E-mails of alert {alertId}",
            states => string.Join(", ", states), Wait);
}
