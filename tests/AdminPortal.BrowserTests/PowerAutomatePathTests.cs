using System.Buffers.Text;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using AdminPortal.Core.Features.Dispatch;
using AdminPortal.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using static AdminPortal.BrowserTests.ApiCalls;
using static Microsoft.Playwright.Assertions;

namespace AdminPortal.BrowserTests;

/// <summary>
/// The Power Automate path without Power Automate: a client that does what the platform does with the certified
/// connector (reference mcas-api.md §5). Saving a flow registers its callback URL through <c>POST /cas/api/v1/ms_flow/</c>
/// and keeps the <c>Location</c> it is given; the alert arrives at the callback URL with the trigger's field names; the
/// flow closes alerts with <c>dismiss_bulk</c> and <c>resolve</c> as the published sample flows do; removing the trigger
/// sends DELETE to the <c>Location</c>, and the playbook leaves the Playbooks tab.
/// </summary>
public sealed class PowerAutomatePathTests(LoopbackBrowserSession session) : IClassFixture<LoopbackBrowserSession>
{
    private const string PolicyName = "Failed sign-ins to the Power Automate flow";

    [Fact]
    public async Task AFlowRegisteredThroughTheConnector_GetsTheTriggerPayload_ClosesAlertsAsTheSampleFlowsDo_AndIsGoneOnceUnsubscribed()
    {
        await using var receiver = await FlowCallbackReceiver.StartAsync();
        var (callbackUrl, callbackTarget, sig) = receiver.NewCallbackUrl();
        var (otherCallbackUrl, _, otherSig) = receiver.NewCallbackUrl();
        var token = await session.AdminTokenAsync("Power Automate connection");
        using var api = new HttpClient { BaseAddress = new Uri(session.BaseUrl) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Token", token);

        // Saving the flow: the trigger's registration answers 201 with the subscription's Location.
        var registration = await api.PostAsync("/cas/api/v1/ms_flow/", Json(new { callback_url = callbackUrl, name = "Close failed sign-ins" }));
        var registered = await JsonAsync(registration, HttpStatusCode.Created);
        var flowId = Guid.Parse(registered.GetProperty("id").GetString()!);
        var location = registration.Headers.Location;
        Assert.NotNull(location);
        Assert.True(location.IsAbsoluteUri, $"Location {location} is not absolute: the platform sends DELETE to it as it is.");
        Assert.Equal($"{session.BaseUrl}/cas/api/v1/ms_flow/{flowId}/", location.ToString());
        Assert.Equal("PowerAutomateTrigger", registered.GetProperty("kind").GetString());
        Assert.DoesNotContain(sig, registered.GetRawText());

        // Saving the flow again registers the same URL again: the same playbook, the same Location.
        var again = await api.PostAsync("/cas/api/v1/ms_flow/", Json(new { callback_url = callbackUrl, name = "Close failed sign-ins" }));
        Assert.Equal(flowId, Guid.Parse((await JsonAsync(again, HttpStatusCode.Created)).GetProperty("id").GetString()!));
        Assert.Equal(location, again.Headers.Location);

        // A second flow of the same connection stays registered throughout (and is never called: no policy uses it).
        var other = await JsonAsync(await api.PostAsync("/cas/api/v1/ms_flow/", Json(new { callback_url = otherCallbackUrl })), HttpStatusCode.Created);
        var otherFlowId = Guid.Parse(other.GetProperty("id").GetString()!);

        // A policy that sends its alerts to the flow.
        var policy = await JsonAsync(await api.PostAsync("/cas/api/v1/policies/", Json(new
        {
            name = PolicyName,
            severity = 1,
            conditions = new[] { new { field = "activityType", @operator = "equals", values = new[] { "LogOnFailed" } } },
            alertSettings = new { createAlert = true, alertDailyLimit = 100, playbookIds = new[] { flowId } },
        })), HttpStatusCode.Created);
        var policyId = policy.GetProperty("_id").GetString()!;

        // One matching activity: one alert, posted once to the callback URL, exactly as registered.
        var firstAt = session.Portal.Time.GetUtcNow().ToUnixTimeMilliseconds();
        await IngestAsync(api, new { timestamp = firstAt, app = "Office 365", activityType = "LogOnFailed", user = "ada@contoso.com", ipAddress = "203.0.113.7", country = "NL" });
        var first = await receiver.NextAsync();
        Assert.Equal("POST", first.Method);
        Assert.Equal(callbackTarget, first.Target);
        Assert.StartsWith("application/json", first.ContentType);
        using var firstDocument = JsonDocument.Parse(first.Body);
        var trigger = firstDocument.RootElement;
        AssertTriggerShape(trigger);
        var alertA = trigger.GetProperty("ProviderAlertId").GetString()!;
        Assert.Matches("^[0-9a-f]{24}$", alertA);
        Assert.Equal(flowId, (await DeliveredAsync(alertA)).PlaybookId);
        Assert.Equal(1, receiver.Count);

        // The fields the sample flows read, as the alerts API shows the same alert.
        var alert = await JsonAsync(await api.GetAsync($"/cas/api/v1/alerts/{alertA}/"), HttpStatusCode.OK);
        Assert.Equal(PolicyName, trigger.GetProperty("AlertDisplayName").GetString());
        Assert.Equal(alert.GetProperty("title").GetString(), trigger.GetProperty("AlertDisplayName").GetString());
        Assert.Equal(alert.GetProperty("description").GetString(), trigger.GetProperty("Description").GetString());
        Assert.Equal("ada@contoso.com", trigger.GetProperty("CompromisedEntity").GetString());
        Assert.Equal(policyId, trigger.GetProperty("ProviderPolicyId").GetString());
        Assert.Equal("Medium", trigger.GetProperty("Severity").GetString());
        Assert.Equal(policy.GetProperty("policyType").GetString(), trigger.GetProperty("AlertType").GetString());
        Assert.Equal(alert.GetProperty("correlationKey").GetString(), trigger.GetProperty("CorrelationKey").GetString());
        Assert.Equal(alert.GetProperty("timestamp").GetInt64(), trigger.GetProperty("TimeGenerated").GetDateTimeOffset().ToUnixTimeMilliseconds());
        Assert.Equal(firstAt, trigger.GetProperty("StartTimeUtc").GetDateTimeOffset().ToUnixTimeMilliseconds());
        Assert.Equal(firstAt, trigger.GetProperty("EndTimeUtc").GetDateTimeOffset().ToUnixTimeMilliseconds());
        var extended = trigger.GetProperty("ExtendedProperties");
        Assert.Equal("203.0.113.7", extended.GetProperty("IP Addresses").GetString());
        Assert.Equal("Office 365", extended.GetProperty("Cloud Applications").GetString());
        Assert.Equal("NL", extended.GetProperty("Countries").GetString());
        var entities = trigger.GetProperty("Entities").EnumerateArray().ToList();
        Assert.Contains(entities, e => e.GetProperty("Type").GetString() == "account"
            && e.GetProperty("Name").GetString() == "ada" && e.GetProperty("UPNSuffix").GetString() == "contoso.com");
        Assert.Contains(entities, e => e.GetProperty("Type").GetString() == "ip" && e.GetProperty("Address").GetString() == "203.0.113.7");
        Assert.Contains(trigger.GetProperty("ExtendedLinks").EnumerateArray(), l => l.GetProperty("Href").GetString() == alert.GetProperty("URL").GetString());
        Assert.Equal(0, alert.GetProperty("resolutionStatusValue").GetInt32());

        // No secret travels with the alert: not the callback URL's sig, not the connection's token, not a signing secret.
        Assert.DoesNotContain(sig, first.Body);
        Assert.DoesNotContain("sig=", first.Body);
        Assert.DoesNotContain(token, first.Body);
        Assert.DoesNotContain("whsec_", first.Body);

        // Settings → Security extensions → Playbooks: both flows listed, the first with its policy; no sig on the page.
        await using var context = await session.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.SignInWithLinkAsync(await session.SignInLinkAsync());
        await page.GotoAsync($"{session.BaseUrl}/settings/security-extensions?tab=playbooks");
        await page.WaitForCircuitAsync();
        var row = page.GetByTestId($"playbook-row-{flowId}");
        await Expect(row.GetByTestId("playbook-row-name")).ToHaveTextAsync("Close failed sign-ins");
        await Expect(row).ToContainTextAsync("Power Automate trigger");
        await Expect(row.GetByTestId("playbook-status")).ToContainTextAsync("Enabled");
        await Expect(row.GetByTestId("playbook-linked-policies")).ToHaveTextAsync("1");
        await Expect(row.GetByTestId("playbook-url-masked")).ToContainTextAsync(receiver.BaseUrl);
        var otherRow = page.GetByTestId($"playbook-row-{otherFlowId}");
        await Expect(otherRow.GetByTestId("playbook-row-name")).ToHaveTextAsync(new Regex("^Power Automate flow [0-9a-f]{8}$"));
        await Expect(otherRow.GetByTestId("playbook-linked-policies")).ToHaveTextAsync("0");
        var content = await page.ContentAsync();
        Assert.DoesNotContain(sig, content);
        Assert.DoesNotContain(otherSig, content);

        // The sample flow's "Dismiss an alert" (MCAS_DISMISS_ALERT) on the alert it received: closed as false positive.
        const string dismissComment = "Dismissed by the flow: a known tester.";
        var dismissed = await JsonAsync(await api.PostAsync("/cas/api/v1/alerts/dismiss_bulk/",
            Json(new { filters = new { id = new { eq = new[] { alertA } } }, comment = dismissComment })), HttpStatusCode.OK);
        Assert.Equal(1, dismissed.GetProperty("dismissed").GetInt32());
        Assert.False(dismissed.TryGetProperty("alertsNotFound", out _), dismissed.GetRawText());
        await AssertClosedAsync(api, alertA, resolutionStatusValue: 3, dismissComment);

        // A second alert, from a second activity, reaches the flow too.
        var secondAt = session.Portal.Time.GetUtcNow().ToUnixTimeMilliseconds();
        await IngestAsync(api, new { timestamp = secondAt, app = "Office 365", activityType = "LogOnFailed", user = "grace@contoso.com", ipAddress = "198.51.100.4" });
        var second = await receiver.NextAsync();
        Assert.Equal(callbackTarget, second.Target);
        using var secondDocument = JsonDocument.Parse(second.Body);
        AssertTriggerShape(secondDocument.RootElement);
        var alertB = secondDocument.RootElement.GetProperty("ProviderAlertId").GetString()!;
        Assert.NotEqual(alertA, alertB);
        Assert.Equal("grace@contoso.com", secondDocument.RootElement.GetProperty("CompromisedEntity").GetString());
        await DeliveredAsync(alertB);
        Assert.Equal(2, receiver.Count);

        // The sample flow's "Resolve an alert" (MCAS_RESOLVE_ALERT) on it: closed as true positive.
        const string resolveComment = "Resolved by the flow: the account was reset.";
        var resolved = await JsonAsync(await api.PostAsync("/cas/api/v1/alerts/resolve/",
            Json(new { filters = new { id = new { eq = new[] { alertB } } }, comment = resolveComment })), HttpStatusCode.OK);
        Assert.Equal(1, resolved.GetProperty("resolved").GetInt32());
        Assert.False(resolved.TryGetProperty("alertsNotFound", out _), resolved.GetRawText());
        await AssertClosedAsync(api, alertB, resolutionStatusValue: 5, resolveComment);

        // A flow run that dismisses the same alert again changes nothing: alerts already in that state are not counted.
        var redismissed = await JsonAsync(await api.PostAsync("/cas/api/v1/alerts/dismiss_bulk/",
            Json(new { filters = new { id = new { eq = new[] { alertA } } }, comment = "A second run." })), HttpStatusCode.OK);
        Assert.Equal(0, redismissed.GetProperty("dismissed").GetInt32());
        await AssertClosedAsync(api, alertA, resolutionStatusValue: 3, dismissComment);

        // "Get open alerts" (MCAS_GET_OPEN_ALERTS) as the connector sends it: neither alert is open any more.
        var open = await JsonAsync(await api.PostAsync("/cas/api/v1/alerts/", Json(new
        {
            skip = 0, limit = 20, filters = new { resolutionStatus = new { eq = 0 } }, sortField = "date", sortDirection = "desc", projectedMSFlowFields = true,
        })), HttpStatusCode.OK);
        var openIds = open.GetProperty("data").EnumerateArray().Select(a => a.GetProperty("_id").GetString()).ToList();
        Assert.DoesNotContain(alertA, openIds);
        Assert.DoesNotContain(alertB, openIds);

        // Removing the trigger: the platform sends DELETE to the Location, with the connection's token.
        var unsubscribe = await api.DeleteAsync(location);
        Assert.True(unsubscribe.StatusCode == HttpStatusCode.OK, $"DELETE {location}: {(int)unsubscribe.StatusCode} {await unsubscribe.Content.ReadAsStringAsync()}");
        var repeated = await api.DeleteAsync(location);
        Assert.True(repeated.StatusCode == HttpStatusCode.NotFound, $"Second DELETE {location}: {(int)repeated.StatusCode} {await repeated.Content.ReadAsStringAsync()}");

        // The Playbooks tab, reloaded: the flow is gone, the other one is still there.
        await page.ReloadAsync();
        await page.WaitForCircuitAsync();
        await Expect(otherRow.GetByTestId("playbook-row-name")).ToBeVisibleAsync();
        await Expect(row).ToHaveCountAsync(0);

        // The policy no longer sends to it, and a new alert queues nothing for anyone.
        var unlinked = await JsonAsync(await api.GetAsync($"/cas/api/v1/policies/{policyId}/"), HttpStatusCode.OK);
        Assert.Empty(unlinked.GetProperty("alertSettings").GetProperty("playbookIds").EnumerateArray());
        await IngestAsync(api, new { timestamp = session.Portal.Time.GetUtcNow().ToUnixTimeMilliseconds(), app = "Office 365", activityType = "LogOnFailed", user = "ada@contoso.com" });
        await using (var db = session.Portal.CreateDbContext())
            Assert.Equal(0, await db.Deliveries.CountAsync()); // queued in the alert's own transaction: none now means none ever
        Assert.Equal(2, receiver.Count);
    }

    /// <summary>Every field of the trigger payload (mcas-api.md §5), by its exact name and JSON type.</summary>
    private static void AssertTriggerShape(JsonElement trigger)
    {
        Assert.Equal(JsonValueKind.Object, trigger.ValueKind);
        foreach (var name in new[] { "Version", "VendorName", "ProviderName", "AlertType", "ProviderAlertId", "ProviderPolicyId", "CorrelationKey", "CompromisedEntity", "AlertDisplayName", "Description" })
            Assert.False(string.IsNullOrEmpty(Field(trigger, name, JsonValueKind.String).GetString()), $"'{name}' is empty: {trigger}");
        Field(trigger, "AzureResourceId", JsonValueKind.String);
        foreach (var name in new[] { "StartTimeUtc", "EndTimeUtc", "TimeGenerated" })
        {
            var value = Field(trigger, name, JsonValueKind.String);
            Assert.True(value.TryGetDateTimeOffset(out var time), $"'{name}' is not an ISO 8601 date-time: {value}");
            Assert.True(time.Offset == TimeSpan.Zero, $"'{name}' is not in UTC: {value}");
        }
        Assert.Contains(Field(trigger, "Severity", JsonValueKind.String).GetString(), new[] { "Informational", "Low", "Medium", "High" });

        var steps = Field(trigger, "RemediationSteps", JsonValueKind.Array);
        Assert.NotEmpty(steps.EnumerateArray());
        Assert.All(steps.EnumerateArray(), step => Assert.Equal(JsonValueKind.String, step.ValueKind));
        Field(trigger, "Metadata", JsonValueKind.Object);
        var extended = Field(trigger, "ExtendedProperties", JsonValueKind.Object);
        foreach (var name in new[] { "IP Addresses", "Cloud Applications", "Countries" })
            Field(extended, name, JsonValueKind.String);

        var entities = Field(trigger, "Entities", JsonValueKind.Array);
        Assert.NotEmpty(entities.EnumerateArray());
        foreach (var entity in entities.EnumerateArray())
        {
            Assert.False(string.IsNullOrEmpty(Field(entity, "Type", JsonValueKind.String).GetString()), $"An entity without a type: {entity}");
            foreach (var name in new[] { "Name", "AadTenantId", "AadUserId", "UPNSuffix", "Address", "ResourceId" })
                Field(entity, name, JsonValueKind.String, JsonValueKind.Null);
            Field(entity, "Domains", JsonValueKind.Array, JsonValueKind.Null);
        }
        var links = Field(trigger, "ExtendedLinks", JsonValueKind.Array);
        Assert.NotEmpty(links.EnumerateArray());
        foreach (var link in links.EnumerateArray())
            foreach (var name in new[] { "Type", "Category", "Label", "Href" })
                Field(link, name, JsonValueKind.String);
    }

    private static JsonElement Field(JsonElement json, string name, params JsonValueKind[] kinds)
    {
        Assert.True(json.TryGetProperty(name, out var value), $"No '{name}' (names are case-sensitive) in {json}");
        Assert.True(kinds.Contains(value.ValueKind), $"'{name}' is {value.ValueKind}, expected {string.Join(" or ", kinds)}: {value}");
        return value;
    }

    /// <summary>The alert as <c>GET /alerts/{id}/</c> shows it once a flow closed it with a comment.</summary>
    private static async Task AssertClosedAsync(HttpClient api, string alertId, int resolutionStatusValue, string comment)
    {
        var alert = await JsonAsync(await api.GetAsync($"/cas/api/v1/alerts/{alertId}/"), HttpStatusCode.OK);
        Assert.Equal(alertId, alert.GetProperty("_id").GetString());
        Assert.Equal(resolutionStatusValue, alert.GetProperty("resolutionStatusValue").GetInt32());
        Assert.Equal(comment, alert.GetProperty("comment").GetString());
        Assert.Equal("admin@localhost", alert.GetProperty("handledByUser").GetString());
        Assert.True(DateTimeOffset.TryParse(alert.GetProperty("resolveTime").GetString(), out _), $"resolveTime is not a date-time: {alert}");
    }

    private static async Task IngestAsync(HttpClient api, object activity)
    {
        var ingest = await JsonAsync(await api.PostAsync("/cas/api/v1/activities/ingest/", Json(new[] { activity })), HttpStatusCode.OK);
        Assert.Equal(1, ingest.GetProperty("alertsCreated").GetInt32());
    }

    /// <summary>
    /// The alert's one delivery once it is recorded as delivered (up to 15 s): the dispatcher records the attempt
    /// after the receiver has answered, so by then every call it made is in the receiver's count.
    /// </summary>
    private async Task<Delivery> DeliveredAsync(string alertId)
    {
        var deliveries = await Eventually.WaitAsync(async () =>
            {
                await using var db = session.Portal.CreateDbContext();
                return await db.Deliveries.AsNoTracking().Where(d => d.AlertId == alertId).ToListAsync();
            },
            deliveries => deliveries is [{ State: DeliveryState.Delivered, AttemptCount: 1 }], $"Alert {alertId}'s one delivery",
            deliveries => "not delivered once: " + string.Join("; ", deliveries.Select(d => $"{d.State} after {d.AttemptCount} ({d.LastStatusCode}: {d.LastError})")),
            TimeSpan.FromSeconds(15));
        return deliveries[0];
    }
}

/// <summary>One call to a flow's callback URL: <see cref="Target"/> is the request line's path and query, as sent.</summary>
file sealed record FlowCall(string Method, string Target, string? ContentType, string Body);

/// <summary>
/// The flows' callback URLs on 127.0.0.1 (Kestrel, free port), shaped like Logic Apps' manual-trigger URLs, answering
/// 202 as a flow's trigger does; records every call and hands them out in order.
/// </summary>
file sealed class FlowCallbackReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Channel<FlowCall> _calls = Channel.CreateUnbounded<FlowCall>();
    private int _count;

    private FlowCallbackReceiver(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = "";

    /// <summary>How many calls have come in so far.</summary>
    public int Count => Volatile.Read(ref _count);

    public static async Task<FlowCallbackReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new FlowCallbackReceiver(app);
        app.Run(async context =>
        {
            string body;
            using (var reader = new StreamReader(context.Request.Body))
                body = await reader.ReadToEndAsync();
            var target = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
            // Counted before the answer: once the dispatcher has its answer, the call is counted.
            Interlocked.Increment(ref receiver._count);
            receiver._calls.Writer.TryWrite(new FlowCall(context.Request.Method, target, context.Request.ContentType, body));
            context.Response.StatusCode = StatusCodes.Status202Accepted;
            context.Response.Headers["x-ms-workflow-run-id"] = "08584" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8));
        });
        await app.StartAsync();
        receiver.BaseUrl = app.Urls.First().TrimEnd('/');
        return receiver;
    }

    /// <summary>A new flow's callback URL, its path and query as a request line carries them, and its <c>sig</c>.</summary>
    public (string Url, string Target, string Sig) NewCallbackUrl()
    {
        var workflow = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        var sig = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var target = $"/workflows/{workflow}/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={sig}";
        return (BaseUrl + target, target, sig);
    }

    /// <summary>The next call, waiting up to 15 s.</summary>
    public async Task<FlowCall> NextAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            return await _calls.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"The flow's callback URL got no call in time ({Count} so far).");
        }
    }

    public async ValueTask DisposeAsync()
    {
        _calls.Writer.TryComplete();
        await _app.DisposeAsync();
    }
}
