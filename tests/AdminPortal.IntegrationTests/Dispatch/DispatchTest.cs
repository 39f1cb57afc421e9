using System.Net;
using System.Text.Json;
using AdminPortal.Core.Data;
using AdminPortal.Core.Features.Dispatch;
using AdminPortal.IntegrationTests.Alerts;
using AdminPortal.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static AdminPortal.IntegrationTests.Alerts.ApiPortal;

namespace AdminPortal.IntegrationTests.Dispatch;

/// <summary>
/// A portal allowed to reach 127.0.0.1 over http, with helpers to add webhook playbooks, link them to a policy,
/// raise alerts and wait for the dispatcher (which works on its own threads) to bring deliveries to a state.
/// </summary>
public abstract class DispatchTest(TestDb database) : ApiPortalTest(database), IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _receivers = [];

    protected T Own<T>(T receiver) where T : IAsyncDisposable
    {
        _receivers.Add(receiver);
        return receiver;
    }

    protected Task<ApiPortal> StartLoopbackPortalAsync(Action<Dictionary<string, string?>>? settings = null,
        Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? services = null) =>
        StartAsync(s =>
        {
            s["Dispatch:AllowHttp"] = "true";
            s["Dispatch:AllowedNetworks:0"] = "127.0.0.1/32";
            settings?.Invoke(s);
        }, services);

    /// <summary>Adds a webhook playbook as the admin; returns its id and signing secret.</summary>
    protected static async Task<(string Id, string Secret)> AddPlaybookAsync(ApiPortal portal, string url, string name = "receiver")
    {
        var created = await JsonAsync(await portal.PostAsync("/api/v1/playbooks/",
            JsonSerializer.Serialize(new { name, url, headerName = "X-Api-Key", headerValue = "receiver-key" }), Caller.Admin), HttpStatusCode.Created);
        return (created.GetProperty("playbook").GetProperty("id").GetString()!, created.GetProperty("signingSecret").GetString()!);
    }

    /// <summary>A policy alerting on every LogOnFailed activity, sending to <paramref name="playbookIds"/>.</summary>
    protected static async Task<string> LinkedPolicyAsync(ApiPortal portal, params string[] playbookIds)
    {
        var policy = await portal.CreatePolicyAsync("Failed log-ons", "LogOnFailed", dailyLimit: 1_000);
        await JsonAsync(await portal.SendAsync(HttpMethod.Put, $"/api/v1/policies/{policy}/",
            JsonSerializer.Serialize(new { alertSettings = new { playbookIds } }), Caller.Admin));
        return policy;
    }

    protected static async Task RaiseAlertsAsync(ApiPortal portal, int count, int offset = 0)
    {
        var items = Enumerable.Range(offset, count).Select(i => (System.Text.Json.Nodes.JsonNode)portal.Activity($"user{i}@contoso.com", "LogOnFailed")).ToArray();
        await portal.IngestAsync(items);
    }

    protected static async Task<List<Delivery>> DeliveriesAsync(ApiPortal portal)
    {
        await using var db = await portal.Factory.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        return await db.Deliveries.AsNoTracking().Include(d => d.Attempts).ToListAsync();
    }

    /// <summary>Waits (up to <paramref name="seconds"/>) until the deliveries satisfy <paramref name="condition"/>.</summary>
    protected static Task<List<Delivery>> DeliveriesWhenAsync(ApiPortal portal, Func<List<Delivery>, bool> condition, int seconds = 15) =>
        Eventually.WaitAsync(() => DeliveriesAsync(portal), condition, "Deliveries",
            deliveries => string.Join("; ", deliveries.Select(d => $"{d.State} after {d.AttemptCount} ({d.LastStatusCode}: {d.LastError})")),
            TimeSpan.FromSeconds(seconds));

    public new async Task DisposeAsync()
    {
        await base.DisposeAsync();
        foreach (var receiver in _receivers)
            await receiver.DisposeAsync();
    }
}
