using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AdminPortal.Core.Features.Dispatch;
using AdminPortal.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using static AdminPortal.BrowserTests.ApiCalls;
using static Microsoft.Playwright.Assertions;

namespace AdminPortal.BrowserTests;

/// <summary>
/// Issue 6 in a real browser: an alert sent to a webhook playbook is dead-lettered (the receiver answers 400), the
/// admin opens the playbook's delivery log from the Playbooks tab, replays it, and it is delivered with the same
/// <c>webhook-id</c>; the log lists both attempts.
/// </summary>
public sealed class ReplayDeliveryTests(LoopbackBrowserSession session) : IClassFixture<LoopbackBrowserSession>
{
    [Fact]
    public async Task ADeadLetteredDelivery_ReplayedFromTheDeliveryLog_IsDeliveredWithTheSameWebhookId()
    {
        await using var receiver = await FlakyReceiver.StartAsync();
        using var api = new HttpClient { BaseAddress = new Uri(session.BaseUrl) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Token", await session.AdminTokenAsync());

        // A webhook playbook pointing at the receiver, and a policy sending its alerts there.
        var playbook = await JsonAsync(await api.PostAsync("/api/v1/playbooks/",
            Json(new { name = "Replay receiver", url = receiver.BaseUrl + "/hook" })), HttpStatusCode.Created);
        var playbookId = Guid.Parse(playbook.GetProperty("playbook").GetProperty("id").GetString()!);
        await JsonAsync(await api.PostAsync("/api/v1/policies/", Json(new
        {
            name = "Failed log-ons to the receiver",
            severity = 1,
            conditions = new[] { new { field = "activityType", @operator = "equals", values = new[] { "LogOnFailed" } } },
            alertSettings = new { createAlert = true, alertDailyLimit = 100, playbookIds = new[] { playbookId } },
        })), HttpStatusCode.Created);

        // One matching activity: one alert, one delivery, answered 400 and dead-lettered (a 4xx is not retried).
        var ingest = await JsonAsync(await api.PostAsync("/api/v1/activities/ingest/", Json(new object[]
        {
            new { timestamp = session.Portal.Time.GetUtcNow().ToUnixTimeMilliseconds(), app = "Office 365", activityType = "LogOnFailed", user = "ada@contoso.com" },
        })), HttpStatusCode.OK);
        Assert.Equal(1, ingest.GetProperty("alertsCreated").GetInt32());
        var first = await receiver.NextAsync();
        Assert.Equal(400, first.Status);
        // The delivery log does not update on its own: open it only once the dead letter is stored.
        var deliveryId = (await session.DeliveryWhenAsync(playbookId, d => d.State == DeliveryState.DeadLettered)).Id;
        Assert.Equal(deliveryId.ToString(), first.WebhookId);

        await using var context = await session.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.SignInWithLinkAsync(await session.SignInLinkAsync());

        // Settings → Security extensions → Playbooks → the playbook's Deliveries link.
        await page.GotoAsync($"{session.BaseUrl}/settings/security-extensions?tab=playbooks");
        await page.WaitForCircuitAsync();
        await page.GetByTestId($"deliveries-playbook-{playbookId}").ClickAsync();
        await Expect(page).ToHaveURLAsync($"{session.BaseUrl}/settings/security-extensions/playbooks/{playbookId}/deliveries");
        await page.WaitForCircuitAsync();
        await Expect(page.GetByTestId("deliveries-title")).ToHaveTextAsync("Deliveries of Replay receiver");

        // Dead-lettered after one attempt answered 400.
        var row = page.GetByTestId($"delivery-row-{deliveryId}");
        await Expect(row.GetByTestId("delivery-state")).ToHaveTextAsync("Dead-lettered");
        await Expect(row.GetByTestId("delivery-last-status")).ToContainTextAsync("400");
        await row.GetByTestId($"toggle-delivery-{deliveryId}").ClickAsync();
        await Expect(row.GetByTestId("delivery-id")).ToHaveTextAsync(deliveryId.ToString());
        await Expect(row.GetByTestId("delivery-attempt")).ToHaveCountAsync(1);
        await Expect(row.GetByTestId("attempt-status")).ToHaveTextAsync("400");

        // Replay: queued again under the same id; the receiver now answers 200.
        await row.GetByTestId($"replay-delivery-{deliveryId}").ClickAsync();
        await Expect(page.GetByText("Delivery queued again with the same webhook-id.")).ToBeVisibleAsync();
        await Expect(row.GetByTestId($"replay-delivery-{deliveryId}")).ToHaveCountAsync(0);
        var second = await receiver.NextAsync();
        Assert.Equal(200, second.Status);
        // The page shows what it loaded at the replay (Pending or Sending): refresh once the attempt is stored.
        await session.DeliveryWhenAsync(playbookId, d => d.State == DeliveryState.Delivered);
        await page.GetByTestId("refresh-deliveries").ClickAsync();
        await Expect(row.GetByTestId("delivery-state")).ToHaveTextAsync("Delivered");
        await Expect(row.GetByTestId("delivery-last-status")).ToContainTextAsync("200");

        // Still expanded: both attempts, the 400 and then the 200.
        await Expect(row.GetByTestId($"toggle-delivery-{deliveryId}")).ToHaveAttributeAsync("aria-expanded", "true");
        await Expect(row.GetByTestId("delivery-attempt")).ToHaveCountAsync(2);
        await Expect(row.GetByTestId("attempt-status")).ToHaveTextAsync(new[] { "400", "200" });
        await Expect(row.GetByTestId($"resend-delivery-{deliveryId}")).ToBeVisibleAsync();

        // The receiver got the same webhook-id twice: the delivery's id.
        Assert.Equal(new[] { deliveryId.ToString(), deliveryId.ToString() }, receiver.WebhookIds);
    }
}

/// <summary>
/// <see cref="BrowserSession"/> with a portal whose dispatcher may send over plain http to 127.0.0.1, where
/// <see cref="FlakyReceiver"/> listens. The settings are read when the server starts, so they are set before.
/// </summary>
public sealed class LoopbackBrowserSession : BrowserSession
{
    protected override void Configure(PortalFactory portal)
    {
        portal.Settings["Dispatch:AllowHttp"] = "true";
        portal.Settings["Dispatch:AllowedNetworks:0"] = "127.0.0.1/32";
    }

    /// <summary>
    /// The playbook's one delivery once it satisfies <paramref name="condition"/> (up to 15 s): the dispatcher works
    /// on its own threads and records an attempt after the receiver has answered.
    /// </summary>
    public async Task<Delivery> DeliveryWhenAsync(Guid playbookId, Func<Delivery, bool> condition)
    {
        var deliveries = await Eventually.WaitAsync(async () =>
            {
                await using var db = Portal.CreateDbContext();
                return await db.Deliveries.AsNoTracking().Where(d => d.PlaybookId == playbookId).ToListAsync();
            },
            deliveries => deliveries is [var delivery] && condition(delivery), "Delivery",
            deliveries => string.Join("; ", deliveries.Select(d => $"{d.State} after {d.AttemptCount} ({d.LastStatusCode}: {d.LastError})")),
            TimeSpan.FromSeconds(15));
        return deliveries[0];
    }
}

/// <summary>What the receiver got and answered.</summary>
public sealed record ReceiverCall(string? WebhookId, int Status);

/// <summary>
/// A playbook's endpoint on 127.0.0.1 (Kestrel, free port) that answers 400 to the first call and 200 to every
/// later one, recording each call's <c>webhook-id</c>.
/// </summary>
public sealed class FlakyReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly BlockingCollection<ReceiverCall> _calls = new();
    private readonly ConcurrentQueue<string?> _webhookIds = new();
    private int _count;

    private FlakyReceiver(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = "";

    /// <summary>Every <c>webhook-id</c> received, in order.</summary>
    public IReadOnlyList<string?> WebhookIds => [.. _webhookIds];

    public static async Task<FlakyReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new FlakyReceiver(app);
        app.Run(async context =>
        {
            using (var reader = new StreamReader(context.Request.Body))
                await reader.ReadToEndAsync();
            var id = context.Request.Headers["webhook-id"].ToString();
            var status = Interlocked.Increment(ref receiver._count) == 1 ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK;
            receiver._webhookIds.Enqueue(id);
            context.Response.StatusCode = status;
            await context.Response.WriteAsync(status == 200 ? "ok" : "missing field");
            receiver._calls.Add(new ReceiverCall(id, status));
        });
        await app.StartAsync();
        receiver.BaseUrl = app.Urls.First().TrimEnd('/');
        return receiver;
    }

    /// <summary>The next call, waiting up to 15 s.</summary>
    public Task<ReceiverCall> NextAsync() => Task.Run(() =>
        _calls.TryTake(out var call, TimeSpan.FromSeconds(15)) ? call : throw new TimeoutException("The receiver got no call in time."));

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _calls.Dispose();
    }
}
