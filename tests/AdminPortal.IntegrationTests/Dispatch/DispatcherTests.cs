using System.Net;
using System.Text.Json;
using AdminPortal.Core.Data;
using AdminPortal.Testing;
using AdminPortal.Core.Features.Dispatch;
using AdminPortal.Core.Features.Playbooks;
using AdminPortal.IntegrationTests.Alerts;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static AdminPortal.IntegrationTests.Alerts.ApiPortal;

namespace AdminPortal.IntegrationTests.Dispatch;

public sealed class SqliteDispatcherTests() : DispatcherTests(TestDb.Sqlite);

public sealed class PostgreSqlDispatcherTests() : DispatcherTests(TestDb.PostgreSql);

/// <summary>
/// The dispatcher against a real receiver on 127.0.0.1: signed deliveries, each outcome class, retries on the
/// fake clock, redirects not followed, the connect-time network guard, and the Playbooks tab's test alert.
/// </summary>
public abstract class DispatcherTests(TestDb database) : DispatchTest(database)
{
    private sealed record Setup(ApiPortal Portal, LoopbackReceiver Receiver, string PlaybookId, string Secret, string PolicyId);

    /// <summary>A portal allowed to reach 127.0.0.1 over http, a receiver, a webhook playbook on it and a policy sending to it.</summary>
    private async Task<Setup> StartAsync(string path = "/hook", Action<Dictionary<string, string?>>? settings = null,
        Action<IServiceCollection>? services = null)
    {
        var receiver = Own(await LoopbackReceiver.StartAsync());
        var portal = await StartLoopbackPortalAsync(settings, services);
        var (playbookId, secret) = await AddPlaybookAsync(portal, receiver.BaseUrl + path);
        var policy = await LinkedPolicyAsync(portal, playbookId);
        return new Setup(portal, receiver, playbookId, secret, policy);
    }

    private static async Task<string> RaiseAlertAsync(ApiPortal portal, string policy, string user = "ada@contoso.com")
    {
        await portal.IngestAsync(portal.Activity(user, "LogOnFailed"));
        return (await portal.AlertIdsOfPolicyAsync(policy)).First();
    }

    private static async Task<Delivery> DeliveryAsync(ApiPortal portal, Func<Delivery, bool>? where = null)
    {
        await using var db = await portal.Factory.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var all = await db.Deliveries.AsNoTracking().Include(d => d.Attempts).ToListAsync();
        return all.Single(where ?? (_ => true));
    }

    /// <summary>Waits (up to 15 s) until the delivery satisfies <paramref name="condition"/>; the dispatcher works on its own threads.</summary>
    private static Task<Delivery> DeliveryWhenAsync(ApiPortal portal, Func<Delivery, bool> condition) =>
        Eventually.WaitAsync(() => DeliveryAsync(portal), condition, "Delivery",
            delivery => $"still {delivery.State} after {delivery.AttemptCount} attempts (last {delivery.LastStatusCode}: {delivery.LastError}).",
            TimeSpan.FromSeconds(15));

    [Fact]
    public async Task AnAlert_IsPostedToThePlaybook_SignedWithItsSecret_WithTheExtraHeader_AndRecordedAsDelivered()
    {
        var (portal, receiver, playbookId, secret, policy) = await StartAsync();

        var alertId = await RaiseAlertAsync(portal, policy);
        var call = await receiver.NextAsync();

        var delivery = await DeliveryWhenAsync(portal, d => d.State == DeliveryState.Delivered);
        Assert.Equal(delivery.Id.ToString(), call.WebhookId);
        Assert.Equal("receiver-key", call.ExtraHeader);
        Assert.True(WebhookSigner.Verify(call.WebhookId!, long.Parse(call.Timestamp!), call.Body, call.Signature!, secret,
            portal.Now.ToUnixTimeSeconds()), $"Signature {call.Signature} does not verify");
        Assert.Equal(delivery.Payload, call.Body);
        Assert.Equal(alertId, JsonDocument.Parse(call.Body).RootElement.GetProperty("ProviderAlertId").GetString());
        var attempt = Assert.Single(delivery.Attempts);
        Assert.Equal(200, attempt.StatusCode);
        var listed = await JsonAsync(await portal.GetAsync("/api/v1/playbooks/", Caller.Admin));
        Assert.Equal(200, listed.GetProperty("data")[0].GetProperty("lastStatusCode").GetInt32());
    }

    [Theory]
    [InlineData(500)]
    [InlineData(503)]
    [InlineData(429)]
    [InlineData(408)]
    public async Task ARetryableAnswer_IsRetriedAfterTheScheduledDelay_WithTheSameWebhookId(int status)
    {
        var (portal, receiver, _, _, policy) = await StartAsync();
        receiver.Respond = (_, n) => n == 1 ? Results.StatusCode(status) : Results.Ok();

        await RaiseAlertAsync(portal, policy);
        var first = await receiver.NextAsync();
        var waiting = await DeliveryWhenAsync(portal, d => d.AttemptCount == 1);

        Assert.Equal(DeliveryState.Pending, waiting.State);
        Assert.Equal(status, waiting.LastStatusCode);
        // The schedule's second step: 5 s, ±20 %.
        var delay = waiting.NextAttemptAt - portal.Now;
        Assert.InRange(delay.TotalSeconds, 4, 6);
        Assert.False(receiver.TryNext(out _));

        // The fake clock moves; the wake-up stands for the poll that real time would bring.
        portal.Advance(TimeSpan.FromSeconds(7));
        portal.Factory.Services.GetRequiredService<DispatchSignal>().Wake();
        var second = await receiver.NextAsync();
        Assert.Equal(first.WebhookId, second.WebhookId);
        var delivered = await DeliveryWhenAsync(portal, d => d.State == DeliveryState.Delivered);
        Assert.Equal([status, 200], delivered.Attempts.OrderBy(a => a.Id).Select(a => a.StatusCode ?? 0));
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(404)]
    public async Task AClientError_IsDeadLetteredAtOnce(int status)
    {
        var (portal, receiver, _, _, policy) = await StartAsync();
        receiver.Respond = (_, _) => Results.StatusCode(status);

        await RaiseAlertAsync(portal, policy);
        await receiver.NextAsync();

        var delivery = await DeliveryWhenAsync(portal, d => d.State == DeliveryState.DeadLettered);
        Assert.Equal(1, delivery.AttemptCount);
        Assert.Equal(status, delivery.LastStatusCode);
    }

    [Fact]
    public async Task Gone_DisablesThePlaybook_WithTheReasonShown()
    {
        var (portal, receiver, playbookId, _, policy) = await StartAsync();
        receiver.Respond = (_, _) => Results.StatusCode(410);

        await RaiseAlertAsync(portal, policy);
        await receiver.NextAsync();
        await DeliveryWhenAsync(portal, d => d.State == DeliveryState.DeadLettered);

        var playbook = (await JsonAsync(await portal.GetAsync("/api/v1/playbooks/", Caller.Admin))).GetProperty("data")[0];
        Assert.False(playbook.GetProperty("enabled").GetBoolean());
        Assert.Contains("410", playbook.GetProperty("disabledReason").GetString());
        // A disabled playbook gets nothing more.
        await RaiseAlertAsync(portal, policy, "bob@contoso.com");
        await using var db = await portal.Factory.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        Assert.Equal(1, await db.Deliveries.CountAsync());
    }

    [Fact]
    public async Task ARedirect_IsNotFollowed_AndTheDeliveryIsDeadLetteredSayingSo()
    {
        var (portal, receiver, _, _, policy) = await StartAsync();
        receiver.Respond = (path, _) => path == "/hook" ? Results.Redirect(receiver.BaseUrl + "/elsewhere?sig=leak") : Results.Ok();

        await RaiseAlertAsync(portal, policy);
        Assert.Equal("/hook", (await receiver.NextAsync()).Path);

        var delivery = await DeliveryWhenAsync(portal, d => d.State == DeliveryState.DeadLettered);
        Assert.Equal(302, delivery.LastStatusCode);
        Assert.Contains("not followed", delivery.LastError);
        Assert.DoesNotContain("leak", delivery.LastError);
        Assert.False(receiver.TryNext(out _));
    }

    [Fact]
    public async Task AHostThatResolvesToANonPublicAddress_IsRefusedAtConnectTime_AndRecordedWithTheReason()
    {
        // Registration checks literal addresses only; a name is checked when the dispatcher connects, after DNS.
        var receiver = Own(await LoopbackReceiver.StartAsync());
        var portal = await StartAsync(s => s["Dispatch:AllowHttp"] = "true");
        var port = new Uri(receiver.BaseUrl).Port;
        // This machine's own name: it resolves (through /etc/hosts) to a loopback or private address.
        var host = Environment.MachineName;
        var addresses = await Dns.GetHostAddressesAsync(host);
        Assert.True(addresses.Length > 0 && addresses.All(a => NetworkRules.Refusal(a, []) is not null),
            $"The test needs '{host}' to resolve to non-public addresses only; it resolves to {string.Join(", ", addresses.Select(a => a.ToString()))}.");
        var created = await JsonAsync(await portal.PostAsync("/api/v1/playbooks/",
            JsonSerializer.Serialize(new { name = "sneaky", url = $"http://{host}:{port}/hook" }), Caller.Admin), HttpStatusCode.Created);
        var policy = await portal.CreatePolicyAsync("Failed log-ons", "LogOnFailed");
        await JsonAsync(await portal.SendAsync(HttpMethod.Put, $"/api/v1/policies/{policy}/",
            $$$"""{"alertSettings": {"playbookIds": ["{{{created.GetProperty("playbook").GetProperty("id").GetString()}}}"]}}""", Caller.Admin));

        await RaiseAlertAsync(portal, policy);

        var delivery = await DeliveryWhenAsync(portal, d => d.State == DeliveryState.DeadLettered);
        Assert.Null(delivery.LastStatusCode);
        Assert.Contains("Dispatch:AllowedNetworks", delivery.LastError);
        Assert.False(receiver.TryNext(out _));
    }

    [Fact]
    public async Task TheLogs_NeverHoldThePlaybooksUrl_ItsHeaderValue_OrItsSecret()
    {
        var logs = new CapturingLoggerProvider();
        var (portal, receiver, _, secret, policy) = await StartAsync("/webhook/7c1e2a90-secret-path?key=query-secret",
            settings => settings["Logging:LogLevel:Default"] = "Trace", services => services.AddSingleton<ILoggerProvider>(logs));
        receiver.Respond = (_, n) => n == 1 ? Results.StatusCode(500) : Results.Ok();

        await RaiseAlertAsync(portal, policy);
        await receiver.NextAsync();
        await DeliveryWhenAsync(portal, d => d.AttemptCount == 1);

        Assert.NotEmpty(logs.Messages);
        foreach (var hidden in new[] { "7c1e2a90-secret-path", "query-secret", "receiver-key", secret })
            Assert.DoesNotContain(logs.Messages, m => m.Contains(hidden, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ATestAlert_GoesThroughTheDispatcher_WithTheSamplePayload()
    {
        var (portal, receiver, playbookId, _, _) = await StartAsync();
        var services = portal.Factory.Services;
        var admin = await services.GetRequiredService<AdminPortal.Core.Features.Users.UserService>().FindAsync(AdminUpn);

        var id = await services.GetRequiredService<PlaybookTestAlerts>().SendAsync(
            new PlaybookViewer(admin!.Id, admin.Upn, admin.Role), Guid.Parse(playbookId));

        var call = await receiver.NextAsync();
        Assert.Equal(id.ToString(), call.WebhookId);
        var payload = JsonDocument.Parse(call.Body).RootElement;
        Assert.Equal(PlaybookTestAlerts.SampleAlertId, payload.GetProperty("ProviderAlertId").GetString());
        Assert.Equal("Test alert from AdminPortal", payload.GetProperty("AlertDisplayName").GetString());
    }
}
