using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AdminPortal.Core.Features.Dispatch;
using AdminPortal.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AdminPortal.IntegrationTests.Playbooks;

/// <summary>
/// samples/node-red/alert-playbook.json in a real Node-RED, as a webhook playbook of the portal on real Kestrel: it
/// verifies each alert's signature, closes High alerts as true positive through the portal's API and marks the
/// others read; a request with a wrong signature, or a stale one, is refused and changes nothing.
/// </summary>
public sealed class NodeRedPlaybookTests : IAsyncLifetime
{
    private readonly PortalFactory _portal = new() { UseSystemClock = true };
    private NodeRedServer _nodeRed = default!;
    private HttpClient _api = default!;

    public async Task InitializeAsync()
    {
        _nodeRed = await NodeRedServer.StartAsync();
        // Node-RED on this host: plain http and loopback allowed for the dispatcher, as the sample's README says.
        _portal.Settings["Dispatch:AllowHttp"] = "true";
        _portal.Settings["Dispatch:AllowedNetworks:0"] = "127.0.0.1/32";
        _portal.UseKestrel(0);
        _portal.StartServer();
        _api = new HttpClient { BaseAddress = _portal.ClientOptions.BaseAddress };
        _api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Token", await _portal.AdminTokenAsync("Node-RED playbook"));
    }

    public async Task DisposeAsync()
    {
        _api.Dispose();
        await _nodeRed.DisposeAsync();
        await _portal.DisposeAsync();
    }

    [Fact]
    public async Task TheSampleFlow_ClosesHighAlertsAsTruePositive_AndMarksOthersRead()
    {
        var (playbookId, secret) = await AddPlaybookAsync();
        await _nodeRed.DeployAsync(NodeRedServer.AlertPlaybookFlow(BaseUrl, await _portal.AdminTokenAsync("Node-RED flow"), secret), NodeRedServer.AlertPlaybookPath);
        await AddPolicyAsync("Failed log-ons (High)", severity: 2, activityType: "LogOnFailed", playbookId);
        await AddPolicyAsync("Downloads (Low)", severity: 0, activityType: "FileDownloaded", playbookId);

        await IngestAsync(("LogOnFailed", "ada@contoso.com"), ("FileDownloaded", "grace@contoso.com"));
        var high = await AlertOfAsync("Failed log-ons (High)");
        var low = await AlertOfAsync("Downloads (Low)");

        var closed = await AlertWhenAsync(high, a => a.GetProperty("resolutionStatusValue").GetInt32() == 5);
        Assert.Equal("Closed by Node-RED playbook", closed.GetProperty("comment").GetString());
        var read = await AlertWhenAsync(low, a => a.GetProperty("statusValue").GetInt32() == 1);
        Assert.Equal(0, read.GetProperty("resolutionStatusValue").GetInt32()); // read, still open

        // Both delivered once: Node-RED answered 200 after checking the signature. The flow may act on the alert before the
        // dispatcher has written that answer down, so wait for the record too.
        var deliveries = await Eventually.WaitAsync(async () =>
            {
                await using var db = _portal.CreateDbContext();
                return await db.Deliveries.AsNoTracking().Where(d => d.PlaybookId == playbookId).ToListAsync();
            },
            all => all.Count == 2 && all.All(d => d.State != DeliveryState.InFlight && d.State != DeliveryState.Pending), "The playbook's deliveries",
            all => string.Join("; ", all.Select(d => $"{d.State} after {d.AttemptCount} ({d.LastStatusCode})")), TimeSpan.FromSeconds(15));
        Assert.All(deliveries, d => Assert.Equal((DeliveryState.Delivered, 200, 1), (d.State, d.LastStatusCode, d.AttemptCount)));
    }

    [Fact]
    public async Task TheSampleFlow_RefusesAWrongSignature_AndAStaleTimestamp()
    {
        var (_, secret) = await AddPlaybookAsync();
        await _nodeRed.DeployAsync(NodeRedServer.AlertPlaybookFlow(BaseUrl, await _portal.AdminTokenAsync("Node-RED flow"), secret), NodeRedServer.AlertPlaybookPath);
        await AddPolicyAsync("Failed log-ons (High)", severity: 2, activityType: "LogOnFailed", playbookId: null);
        await IngestAsync(("LogOnFailed", "ada@contoso.com"));
        var alert = await AlertOfAsync("Failed log-ons (High)");
        var body = JsonSerializer.Serialize(new { ProviderAlertId = alert, Severity = "High", AlertDisplayName = "Forged" });
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        using var nodeRed = new HttpClient { BaseAddress = new Uri(_nodeRed.Url) };

        var otherSecret = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
        using (var forged = await nodeRed.SendAsync(Signed(body, "msg_forged", now, otherSecret)))
            Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        using (var stale = await nodeRed.SendAsync(Signed(body, "msg_stale", now - 3600, secret)))
            Assert.Equal(HttpStatusCode.Unauthorized, stale.StatusCode);
        // The same request signed with the playbook's secret, now, is accepted: the refusals were about the signature.
        using (var genuine = await nodeRed.SendAsync(Signed(body, "msg_genuine", now, secret)))
            Assert.Equal(HttpStatusCode.OK, genuine.StatusCode);

        var closed = await AlertWhenAsync(alert, a => a.GetProperty("resolutionStatusValue").GetInt32() == 5);
        Assert.Equal("Closed by Node-RED playbook", closed.GetProperty("comment").GetString());
    }

    private string BaseUrl => _portal.ClientOptions.BaseAddress.ToString().TrimEnd('/');

    private static HttpRequestMessage Signed(string body, string id, long timestamp, string secret)
    {
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        var signature = Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}")));
        var request = new HttpRequestMessage(HttpMethod.Post, NodeRedServer.AlertPlaybookPath) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("webhook-id", id);
        request.Headers.Add("webhook-timestamp", timestamp.ToString());
        request.Headers.Add("webhook-signature", "v1," + signature);
        return request;
    }

    private async Task<(Guid Id, string Secret)> AddPlaybookAsync()
    {
        using var response = await _api.PostAsJsonAsync("/api/v1/playbooks/", new { name = "Node-RED", url = _nodeRed.Url + NodeRedServer.AlertPlaybookPath });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (Guid.Parse(created.GetProperty("playbook").GetProperty("id").GetString()!), created.GetProperty("signingSecret").GetString()!);
    }

    private async Task AddPolicyAsync(string name, int severity, string activityType, Guid? playbookId)
    {
        using var response = await _api.PostAsJsonAsync("/api/v1/policies/", new
        {
            name,
            severity,
            conditions = new[] { new { field = "activityType", @operator = "equals", values = new[] { activityType } } },
            alertSettings = new { createAlert = true, alertDailyLimit = 100, playbookIds = playbookId is { } id ? new[] { id } : Array.Empty<Guid>() },
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private async Task IngestAsync(params (string ActivityType, string User)[] activities)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        using var response = await _api.PostAsJsonAsync("/api/v1/activities/ingest/",
            activities.Select(a => new { timestamp = now, app = "Office 365", activityType = a.ActivityType, user = a.User }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>The id of the one alert the named policy raised.</summary>
    private async Task<string> AlertOfAsync(string policyName)
    {
        await using var db = _portal.CreateDbContext();
        var policyId = await db.Policies.Where(p => p.Name == policyName).Select(p => p.Id).SingleAsync();
        return await db.Alerts.Where(a => a.PolicyId == policyId).Select(a => a.Id).SingleAsync();
    }

    /// <summary>The alert as the API shows it, once <paramref name="condition"/> holds (Node-RED acts asynchronously).</summary>
    private Task<JsonElement> AlertWhenAsync(string id, Func<JsonElement, bool> condition) =>
        Eventually.WaitAsync(() => _api.GetFromJsonAsync<JsonElement>($"/cas/api/v1/alerts/{id}/"), condition, $"Alert {id}",
            alert => $"{alert}\nNode-RED:\n{_nodeRed.Log}", TimeSpan.FromSeconds(30));
}
