using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using AdminPortal.Core.Features.Dispatch;
using AdminPortal.Core.Features.Playbooks;
using AdminPortal.Core.Features.Users;
using AdminPortal.Testing;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AdminPortal.IntegrationTests;

/// <summary>
/// <c>/metrics</c> (Prometheus text, by <c>Metrics:Access</c>) and the dispatch part of <c>/healthz</c>, on a portal
/// whose dispatcher is off so that queued deliveries stay where the test put them.
/// </summary>
public sealed partial class MetricsAndHealthTests : IDisposable
{
    private readonly PortalFactory _portal = new();

    public MetricsAndHealthTests() => _portal.Settings["Dispatch:Enabled"] = "false";

    public void Dispose() => _portal.Dispose();

    /// <summary>A client whose connection comes from 127.0.0.1 (the test server's own requests have no address).</summary>
    private HttpClient Loopback() =>
        new(_portal.Server.CreateHandler(context => context.Connection.RemoteIpAddress = IPAddress.Loopback)) { BaseAddress = _portal.Server.BaseAddress };

    private HttpClient Remote() => _portal.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    private async Task<string> ScrapeAsync()
    {
        var response = await Loopback().GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The value of the first sample of <paramref name="metric"/> whose labels include all <paramref name="labels"/>; null when none.</summary>
    private static double? Sample(string scrape, string metric, params string[] labels)
    {
        foreach (var line in scrape.Split('\n'))
        {
            var match = SampleLine().Match(line);
            if (match.Success && match.Groups["name"].Value == metric && labels.All(match.Groups["labels"].Value.Contains))
                return double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
        }
        return null;
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?<labels>\{[^}]*\})? (?<value>\S+)")]
    private static partial Regex SampleLine();

    /// <summary>A playbook (owned by the bootstrap admin) and one delivery of it in <paramref name="state"/>.</summary>
    private async Task AddDeliveryAsync(DateTimeOffset nextAttemptAt, DeliveryState state = DeliveryState.Pending)
    {
        await using var db = _portal.CreateDbContext();
        var owner = await db.Users.SingleAsync(u => u.Upn == "admin@localhost");
        var playbook = new Playbook
        {
            Name = "Receiver", OwnerId = owner.Id, Kind = PlaybookKind.Webhook, CallbackUrlEncrypted = "not-used", CallbackUrlHash = new byte[32],
            CallbackUrlMasked = "https://receiver.example/", SigningSecretEncrypted = "not-used", CreatedAt = _portal.Time.GetUtcNow(), UpdatedAt = _portal.Time.GetUtcNow(),
        };
        db.Playbooks.Add(playbook);
        db.Deliveries.Add(new Delivery
        {
            PlaybookId = playbook.Id, Payload = "{}", State = state, NextAttemptAt = nextAttemptAt, CreatedAt = _portal.Time.GetUtcNow(),
        });
        await db.SaveChangesAsync();
    }

    [Fact]
    public async Task Metrics_FromLoopback_AreServedAsPrometheusText_WithTheQueueDepth()
    {
        await AddDeliveryAsync(_portal.Time.GetUtcNow());

        var scrape = await ScrapeAsync();

        Assert.Contains("# TYPE adminportal_dispatch_queue_depth gauge", scrape);
        Assert.Equal(1, Sample(scrape, "adminportal_dispatch_queue_depth"));
        Assert.Contains("# TYPE adminportal_dispatch_oldest_due_age_seconds gauge", scrape);
        Assert.Equal(0, Sample(scrape, "adminportal_dispatch_oldest_due_age_seconds"));
    }

    [Fact]
    public async Task Metrics_ShowTheOldestDueDeliverysAge_OnceTheReadingIsFiveSecondsOld()
    {
        await AddDeliveryAsync(_portal.Time.GetUtcNow());
        Assert.Equal(1, Sample(await ScrapeAsync(), "adminportal_dispatch_queue_depth"));

        await AddDeliveryAsync(_portal.Time.GetUtcNow());
        _portal.Time.Advance(TimeSpan.FromSeconds(3));
        var cached = await ScrapeAsync();
        _portal.Time.Advance(TimeSpan.FromSeconds(2));
        var fresh = await ScrapeAsync();

        Assert.Equal(1, Sample(cached, "adminportal_dispatch_queue_depth"));
        Assert.Equal(2, Sample(fresh, "adminportal_dispatch_queue_depth"));
        Assert.Equal(5, Sample(fresh, "adminportal_dispatch_oldest_due_age_seconds"));
    }

    [Fact]
    public async Task RecordAttempt_CountsDeliveriesByOutcome_AndTheirDuration()
    {
        var metrics = _portal.Services.GetRequiredService<DispatchMetrics>();
        Assert.Null(Sample(await ScrapeAsync(), "adminportal_dispatch_deliveries_total", "outcome=\"delivered\""));

        metrics.RecordAttempt(AttemptOutcome.Delivered, TimeSpan.FromMilliseconds(120));
        metrics.RecordAttempt(AttemptOutcome.Delivered, TimeSpan.FromMilliseconds(380));
        metrics.RecordAttempt(AttemptOutcome.DeadLetter, TimeSpan.FromSeconds(2));
        var scrape = await ScrapeAsync();

        Assert.Contains("# TYPE adminportal_dispatch_deliveries_total counter", scrape);
        Assert.Equal(2, Sample(scrape, "adminportal_dispatch_deliveries_total", "outcome=\"delivered\""));
        Assert.Equal(1, Sample(scrape, "adminportal_dispatch_deliveries_total", "outcome=\"dead_letter\""));
        Assert.Null(Sample(scrape, "adminportal_dispatch_deliveries_total", "outcome=\"retry\""));
        Assert.Contains("# TYPE adminportal_dispatch_attempt_duration_seconds histogram", scrape);
        Assert.Equal(2, Sample(scrape, "adminportal_dispatch_attempt_duration_seconds_count", "outcome=\"delivered\""));
        Assert.Equal(0.5, Sample(scrape, "adminportal_dispatch_attempt_duration_seconds_sum", "outcome=\"delivered\"")!.Value, precision: 6);
        Assert.Equal(1, Sample(scrape, "adminportal_dispatch_attempt_duration_seconds_bucket", "outcome=\"delivered\"", "le=\"0.25\""));
    }

    [Fact]
    public async Task Metrics_ForAnAnonymousCallerFromElsewhere_AreForbidden()
    {
        var remote = await Remote().GetAsync("/metrics");
        var throughAProxy = await Loopback().SendAsync(new HttpRequestMessage(HttpMethod.Get, "/metrics") { Headers = { { "X-Forwarded-For", "203.0.113.7" } } });

        Assert.Equal(HttpStatusCode.Forbidden, remote.StatusCode);
        Assert.Contains("Metrics:Access", await remote.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, throughAProxy.StatusCode);
    }

    [Fact]
    public async Task Metrics_ForASignedInGlobalAdmin_AreServedFromElsewhere_ButNotToAReader()
    {
        var users = _portal.Services.GetRequiredService<UserService>();
        await users.AddOrUpdateAsync("reader@localhost", PortalRole.SecurityReader, "test");
        var admin = Remote();
        await admin.SignInWithLinkAsync(await users.CreateSignInLinkAsync("admin@localhost"));
        var reader = Remote();
        await reader.SignInWithLinkAsync(await users.CreateSignInLinkAsync("reader@localhost"));

        var asAdmin = await admin.GetAsync("/metrics");
        var asReader = await reader.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, asAdmin.StatusCode);
        Assert.Contains("adminportal_dispatch_queue_depth", await asAdmin.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, asReader.StatusCode);
    }

    [Fact]
    public async Task Metrics_WithAccessAnonymous_AreServedToAnyone()
    {
        _portal.Settings["Metrics:Access"] = "Anonymous";

        var response = await Remote().GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("adminportal_dispatch_queue_depth", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Metrics_WhenDisabled_Answer404_EvenOnLoopback()
    {
        _portal.Settings["Metrics:Access"] = "Disabled";

        var response = await Loopback().GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain("adminportal_dispatch", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Healthz_WhenTheOldestDueDeliveryWaitedLongerThanStuckAfter_IsDegraded_With200()
    {
        await AddDeliveryAsync(_portal.Time.GetUtcNow());
        var client = _portal.CreateClient();
        Assert.Equal("Healthy", await (await client.GetAsync("/healthz")).Content.ReadAsStringAsync());

        _portal.Time.Advance(TimeSpan.FromMinutes(12) + TimeSpan.FromSeconds(31));
        var response = await client.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Degraded\ndispatch: The oldest due delivery has waited 00:12:31, more than Dispatch:StuckAfter (00:10:00).",
            await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Healthz_WithOnlyDeliveriesNotYetDue_StaysHealthy()
    {
        _portal.Settings["Dispatch:StuckAfter"] = "00:01:00";
        // A retry waiting for its backoff is not stuck.
        await AddDeliveryAsync(_portal.Time.GetUtcNow() + TimeSpan.FromHours(2));

        _portal.Time.Advance(TimeSpan.FromHours(1));
        var response = await _portal.CreateClient().GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Healthz_WithAShortStuckAfter_CountsFromWhenTheDeliveryBecameDue()
    {
        _portal.Settings["Dispatch:StuckAfter"] = "00:00:30";
        await AddDeliveryAsync(_portal.Time.GetUtcNow() + TimeSpan.FromMinutes(1));

        _portal.Time.Advance(TimeSpan.FromSeconds(80));
        var response = await _portal.CreateClient().GetAsync("/healthz");

        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
        _portal.Time.Advance(TimeSpan.FromSeconds(15));
        Assert.Equal("Degraded\ndispatch: The oldest due delivery has waited 00:00:35, more than Dispatch:StuckAfter (00:00:30).",
            await (await _portal.CreateClient().GetAsync("/healthz")).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task QueueGaugesAndHealth_OnPostgreSql()
    {
        await using var postgres = await TestPostgres.CreateDatabaseAsync();
        _portal.Settings["Database:Provider"] = "PostgreSql";
        _portal.Settings["Database:ConnectionString"] = postgres.ConnectionString;
        await AddDeliveryAsync(_portal.Time.GetUtcNow() - TimeSpan.FromMinutes(11));
        await AddDeliveryAsync(_portal.Time.GetUtcNow(), DeliveryState.Delivered);

        var scrape = await ScrapeAsync();
        var health = await _portal.CreateClient().GetAsync("/healthz");

        Assert.Equal(1, Sample(scrape, "adminportal_dispatch_queue_depth"));
        Assert.Equal(660, Sample(scrape, "adminportal_dispatch_oldest_due_age_seconds"));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.StartsWith("Degraded\ndispatch: The oldest due delivery has waited 00:11:00", await health.Content.ReadAsStringAsync());
    }
}
