using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using static AdminPortal.BrowserTests.ApiCalls;
using static Microsoft.Playwright.Assertions;

namespace AdminPortal.BrowserTests;

/// <summary>
/// Every main page, with data on it, in light and dark mode: axe-core finds no serious or critical violation, and
/// each is captured for the README (docs/images/&lt;page&gt;-&lt;mode&gt;.png).
/// </summary>
public sealed class MainPagesTests(LoopbackBrowserSession session) : IClassFixture<LoopbackBrowserSession>
{
    private readonly List<string> _violations = [];

    [Fact]
    public async Task EveryMainPage_PassesAxe_InLightAndDarkMode_AndIsCaptured()
    {
        await using var receiver = await OkReceiver.StartAsync();
        var (policyId, playbookId, alertId) = await SeedAsync(receiver.Url);

        await using var context = await session.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1440, Height = 900 } });
        var page = await context.NewPageAsync();
        await page.SignInWithLinkAsync(await session.SignInLinkAsync());

        foreach (var mode in new[] { "light", "dark" })
        {
            if (mode == "dark")
            {
                var light = await BackgroundAsync(page);
                await page.GetByTestId("dark-mode-toggle").ClickAsync();
                await page.WaitForFunctionAsync("light => getComputedStyle(document.body).backgroundColor !== light", light);
            }

            await OpenAsync(page, "/alerts", page.GetByText("Failed log-on burst").First);
            await CheckAsync(page, "alerts", mode);

            await OpenAsync(page, $"/alerts/{alertId}", page.GetByTestId("alert-title"));
            await CheckAsync(page, "alert-detail", mode);

            await OpenAsync(page, "/policies?tab=all", page.GetByTestId($"policy-settings-{policyId}"));
            await CheckAsync(page, "policies", mode);
            await page.GetByTestId($"policy-settings-{policyId}").ClickAsync();
            await Expect(page.GetByTestId("policy-settings-dialog")).ToBeVisibleAsync();
            await CheckAsync(page, "policy-settings", mode);
            await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Cancel", Exact = true }).ClickAsync();
            await Expect(page.GetByTestId("policy-settings-dialog")).ToHaveCountAsync(0);

            await OpenAsync(page, "/settings/security-extensions", page.GetByTestId("generate-token"));
            await page.GetByTestId("generate-token").ClickAsync();
            await page.GetByTestId("token-name").FillAsync($"Screenshot {mode}");
            await Expect(page.GetByText($"{$"Screenshot {mode}".Length} / 100")).ToBeVisibleAsync();
            await page.GetByTestId("generate-token-confirm").ClickAsync();
            await Expect(page.GetByTestId("token-value")).ToBeVisibleAsync();
            await CheckAsync(page, "api-tokens", mode);
            await page.GetByTestId("token-created-close").ClickAsync();

            await OpenAsync(page, "/settings/security-extensions?tab=playbooks", page.GetByTestId($"playbook-row-{playbookId}"));
            await CheckAsync(page, "playbooks", mode);

            await OpenAsync(page, $"/settings/security-extensions/playbooks/{playbookId}/deliveries", page.GetByTestId("delivery-grid"));
            await CheckAsync(page, "deliveries", mode);

            await OpenAsync(page, "/audit", page.GetByText("PlaybookLinked").First);
            await CheckAsync(page, "audit-log", mode);
        }

        Assert.True(_violations.Count == 0, "Serious or critical accessibility violations:\n" + string.Join("\n", _violations));
    }

    private async Task OpenAsync(IPage page, string path, ILocator shown)
    {
        await page.GotoAsync(session.BaseUrl + path);
        await page.WaitForCircuitAsync();
        await Expect(shown).ToBeVisibleAsync();
    }

    /// <summary>Runs axe on the page as it is and saves its picture.</summary>
    private async Task CheckAsync(IPage page, string name, string mode)
    {
        // Let MudBlazor's transitions (dialogs, popovers) finish so axe and the picture see the settled page.
        await page.WaitForFunctionAsync("() => document.getAnimations().every(a => a.playState !== 'running')");
        AxeResult result = await page.RunAxe();
        foreach (var violation in result.Violations.Where(v => v.Impact is "serious" or "critical"))
            _violations.Add($"{name} ({mode}): {violation.Id} [{violation.Impact}] {violation.Help}: "
                            + string.Join(" | ", violation.Nodes.Take(3).Select(n => n.Html)));
        await page.ScreenshotAsync(new() { Path = Screenshot($"{name}-{mode}.png") });
    }

    private static Task<string> BackgroundAsync(IPage page) => page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor");

    /// <summary>docs/images in the repository: the README shows these.</summary>
    private static string Screenshot(string file)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "AdminPortal.sln")))
            directory = directory.Parent;
        var images = Path.Combine(directory?.FullName ?? throw new InvalidOperationException("Run from a clone of the repository."), "docs", "images");
        Directory.CreateDirectory(images);
        return Path.Combine(images, file);
    }

    /// <summary>Policies, alerts of several severities, and a webhook playbook with delivered deliveries.</summary>
    private async Task<(string PolicyId, Guid PlaybookId, string AlertId)> SeedAsync(string receiverUrl)
    {
        using var api = new HttpClient { BaseAddress = new Uri(session.BaseUrl) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Token", await session.AdminTokenAsync("seed"));
        var playbook = await JsonAsync(await api.PostAsJsonAsync("/api/v1/playbooks/",
            new { name = "Ticketing webhook", url = receiverUrl + "/hook", description = "Opens a ticket for each alert" }), HttpStatusCode.Created);
        var playbookId = Guid.Parse(playbook.GetProperty("playbook").GetProperty("id").GetString()!);

        string? linked = null;
        foreach (var (name, severity, activityType, send) in new[]
                 {
                     ("Failed log-on burst", 2, "LogOnFailed", true), ("Mass download", 1, "FileDownloaded", false), ("Admin activity", 0, "AdminActivity", false),
                 })
        {
            var policy = await JsonAsync(await api.PostAsJsonAsync("/api/v1/policies/", new
            {
                name, severity, description = $"Alerts on {activityType} activities.",
                conditions = new[] { new { field = "activityType", @operator = "equals", values = new[] { activityType } } },
                alertSettings = new { createAlert = true, alertDailyLimit = 100, playbookIds = send ? new[] { playbookId } : Array.Empty<Guid>() },
            }), HttpStatusCode.Created);
            linked ??= policy.GetProperty("_id").GetString();
        }

        var at = session.Portal.Time.GetUtcNow().ToUnixTimeMilliseconds();
        var activities = new[] { ("LogOnFailed", "mallory@contoso.com", "203.0.113.7"), ("AdminActivity", "eve@contoso.com", "198.51.100.23"),
                ("FileDownloaded", "ada@contoso.com", "192.0.2.10"), ("AdminActivity", "grace@contoso.com", "192.0.2.11") }
            .Select(a => new { timestamp = at, app = "Office 365", activityType = a.Item1, user = a.Item2, ipAddress = a.Item3, country = "NL" });
        await JsonAsync(await api.PostAsJsonAsync("/api/v1/activities/ingest/", activities), HttpStatusCode.OK);
        await session.DeliveryWhenAsync(playbookId, d => d.State == Core.Features.Dispatch.DeliveryState.Delivered);

        var alerts = await api.PostAsJsonAsync("/cas/api/v1/alerts/", new { filters = new { }, limit = 1, sortField = "date", sortDirection = "desc" });
        var alertId = (await JsonAsync(alerts, HttpStatusCode.OK)).GetProperty("data")[0].GetProperty("_id").GetString()!;
        return (linked!, playbookId, alertId);
    }

    /// <summary>A webhook receiver on 127.0.0.1 that answers 200.</summary>
    private sealed class OkReceiver : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private OkReceiver(WebApplication app, string url) => (_app, Url) = (app, url);

        public string Url { get; }

        public static async Task<OkReceiver> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
            builder.Logging.ClearProviders();
            var app = builder.Build();
            app.Run(context => context.Response.WriteAsync("{\"ticket\":\"INC0012345\"}"));
            await app.StartAsync();
            return new OkReceiver(app, app.Urls.First().TrimEnd('/'));
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
