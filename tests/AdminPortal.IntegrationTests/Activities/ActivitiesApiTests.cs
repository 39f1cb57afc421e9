using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using AdminPortal.Core.Data;
using AdminPortal.Core.Features.Activities;
using AdminPortal.Core.Features.Alerts;
using AdminPortal.Core.Features.Dispatch;
using AdminPortal.Core.Features.Policies;
using AdminPortal.IntegrationTests.Alerts;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using static AdminPortal.IntegrationTests.Alerts.ApiPortal;

namespace AdminPortal.IntegrationTests.Activities;

public sealed class SqliteActivitiesApiTests() : ActivitiesApiTests(TestDb.Sqlite);

public sealed class PostgreSqlActivitiesApiTests() : ActivitiesApiTests(TestDb.PostgreSql);

/// <summary>
/// <c>POST /activities/ingest/</c> (per-item validation, evaluation against policies, repeat thresholds, daily
/// limits) and <c>POST /activities/</c> (the MCAS list with filters), on each database.
/// </summary>
public abstract class ActivitiesApiTests(TestDb database) : ApiPortalTest(database)
{
    // ---- Ingest ----

    [Fact]
    public async Task Ingest_WithValidAndInvalidItems_StoresTheValidOnes_AndNamesEachRejectedIndexAndField()
    {
        var portal = await StartAsync();
        await portal.CreatePolicyAsync("Downloads", "FileDownload");
        var valid = portal.Activity("Alice@Contoso.com", "FileDownload", ip: "203.0.113.9", country: "nl", objectName: "budget.xlsx");
        valid["vendorField"] = new JsonObject { ["nested"] = 7 };
        var items = new JsonNode[]
        {
            valid,
            Without(portal.Activity("bob@contoso.com", "LogOn"), "user"),
            With(portal.Activity("bob@contoso.com", "LogOn"), "ipAddress", "999.1.1.1"),
            JsonValue.Create("not an object"),
            portal.Activity("bob@contoso.com", "LogOn", at: portal.Now.AddDays(2)),
            portal.Activity("bob@contoso.com", "LogOn"),
            With(portal.Activity("bob@contoso.com", "LogOn"), "user", 42),
        };

        var answer = await portal.IngestAsync(items);

        Assert.Equal(["accepted", "rejected", "alertsCreated", "alertsSuppressed"], answer.EnumerateObject().Select(p => p.Name));
        Assert.Equal(2, answer.GetProperty("accepted").GetInt32());
        Assert.Equal(1, answer.GetProperty("alertsCreated").GetInt32());
        var rejected = answer.GetProperty("rejected").EnumerateArray().ToList();
        Assert.All(rejected, r => Assert.Equal(["index", "errors"], r.EnumerateObject().Select(p => p.Name)));
        Assert.Equal([1, 2, 3, 4, 6], rejected.Select(r => r.GetProperty("index").GetInt32()));
        Assert.Equal(["user", "ipAddress", "item", "timestamp", "user"],
            rejected.Select(r => Assert.Single(r.GetProperty("errors").EnumerateObject()).Name));
        Assert.All(rejected, r => Assert.NotEmpty(r.GetProperty("errors").EnumerateObject().Single().Value.EnumerateArray().Select(m => m.GetString())));

        var listed = await portal.ListActivitiesAsync("""{"sortField": "date", "sortDirection": "asc"}""");
        Assert.Equal(2, listed.GetProperty("total").GetInt32());
        var stored = listed.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(["alice@contoso.com", "bob@contoso.com"], stored.Select(a => a.GetProperty("user").GetString()).Order());
        var alice = stored.Single(a => a.GetProperty("user").GetString() == "alice@contoso.com");
        Assert.Equal(portal.Now.ToUnixTimeMilliseconds(), alice.GetProperty("timestamp").GetInt64());
        Assert.Equal("FileDownload", alice.GetProperty("activityType").GetString());
        Assert.Equal("203.0.113.9", alice.GetProperty("ipAddress").GetString());
        Assert.Equal("NL", alice.GetProperty("country").GetString());
        Assert.Equal("budget.xlsx", alice.GetProperty("objectName").GetString());
        Assert.Equal(7, alice.GetProperty("raw").GetProperty("vendorField").GetProperty("nested").GetInt32());
        Assert.True(Guid.TryParse(alice.GetProperty("_id").GetString(), out _));
    }

    [Fact]
    public async Task Ingest_RaisesAnAlertForAMatchingEnabledPolicy_WithTheActivityAsEvidence_AndADisabledPolicyRaisesNothing()
    {
        var portal = await StartAsync();
        var enabled = await portal.CreatePolicyAsync("Downloads watched", "FileDownload");
        var disabled = await portal.CreatePolicyAsync("Downloads ignored", "FileDownload");
        await JsonAsync(await portal.PostAsync($"/api/v1/policies/{disabled}/disable/", null));

        var answer = await portal.IngestAsync(
            portal.Activity("alice@contoso.com", "FileDownload"),
            portal.Activity("alice@contoso.com", "LogOn"));

        Assert.Equal(2, answer.GetProperty("accepted").GetInt32());
        Assert.Equal(1, answer.GetProperty("alertsCreated").GetInt32());
        Assert.Empty(await portal.AlertIdsOfPolicyAsync(disabled));
        var alert = await portal.GetAlertAsync(Assert.Single(await portal.AlertIdsOfPolicyAsync(enabled)));
        var download = (await portal.ListActivitiesAsync("""{"filters": {"activityType": {"eq": ["FileDownload"]}}}""")).GetProperty("data")[0];
        Assert.Equal([download.GetProperty("_id").GetString()], alert.GetProperty("evidence").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("Downloads watched", alert.GetProperty("title").GetString());
    }

    [Fact]
    public async Task Ingest_OverTheBatchLimit_Answers400NamingTheLimit_AndStoresNothing()
    {
        var portal = await StartAsync(settings => settings["Ingest:MaxBatchSize"] = "3");
        var four = Enumerable.Range(0, 4).Select(i => (JsonNode)portal.Activity($"user{i}@contoso.com", "LogOn")).ToArray();

        var response = await portal.PostAsync("/api/v1/activities/ingest/", new JsonArray(four).ToJsonString(), Caller.Operator);

        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("at most 3", ProblemText(problem));
        Assert.Equal(0, (await portal.ListActivitiesAsync()).GetProperty("total").GetInt32());
        // The limit itself is allowed.
        Assert.Equal(3, (await portal.IngestAsync(four[..3])).GetProperty("accepted").GetInt32());
    }

    [Fact]
    public async Task Ingest_WhenTheBodyIsNotAnArray_Answers400_AndStoresNothing()
    {
        var portal = await StartAsync();
        var single = portal.Activity("alice@contoso.com", "LogOn").ToJsonString();

        foreach (var body in new[] { single, "\"text\"", "null", "42", """{"items": []}""" })
        {
            var problem = await ProblemAsync(await portal.PostAsync("/api/v1/activities/ingest/", body, Caller.Operator), HttpStatusCode.BadRequest);
            Assert.Contains("array", ProblemText(problem));
        }
        Assert.Equal(0, (await portal.ListActivitiesAsync()).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Ingest_AValidActivityWithALongObjectName_MatchingAPolicy_IsStoredAndRaisesItsAlert()
    {
        var portal = await StartAsync();
        var policy = await portal.CreatePolicyAsync("Downloads", "FileDownload");
        var name = "Finance/" + new string('q', 1000) + ".xlsx"; // 1,013 characters: objectName takes up to 1,024

        var answer = await portal.IngestAsync(portal.Activity("alice@contoso.com", "FileDownload", objectName: name));

        Assert.Equal(1, answer.GetProperty("accepted").GetInt32());
        Assert.Equal(1, answer.GetProperty("alertsCreated").GetInt32());
        Assert.Equal(name, (await portal.ListActivitiesAsync()).GetProperty("data")[0].GetProperty("objectName").GetString());
        var alert = await portal.GetAlertAsync(Assert.Single(await portal.AlertIdsOfPolicyAsync(policy)));
        var file = Assert.Single(alert.GetProperty("entities").EnumerateArray(), e => e.GetProperty("type").GetString() == "file");
        Assert.StartsWith("Finance/qqqq", file.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Ingest_AnIpv6AddressWithAScopeId_IsStoredOrRejected_NeverA500ThatLosesTheBatch()
    {
        var portal = await StartAsync();
        var scoped = portal.Activity("alice@contoso.com", "LogOn", ip: "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff%4294967295");

        var answer = await portal.IngestAsync(scoped, portal.Activity("bob@contoso.com", "LogOn"));

        Assert.Equal(2, answer.GetProperty("accepted").GetInt32() + answer.GetProperty("rejected").GetArrayLength());
        Assert.Contains("bob@contoso.com",
            (await portal.ListActivitiesAsync()).GetProperty("data").EnumerateArray().Select(a => a.GetProperty("user").GetString()));
    }

    [Fact]
    public async Task Ingest_AsAReader_IsForbidden()
    {
        var portal = await StartAsync();

        var response = await portal.PostAsync("/api/v1/activities/ingest/", new JsonArray(portal.Activity("a@contoso.com", "LogOn")).ToJsonString(), Caller.Reader);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(0, (await portal.ListActivitiesAsync()).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task RepeatThreshold_ReachedAcrossTwoBatches_RaisesExactlyOneAlertPerWindowAndUser()
    {
        var portal = await StartAsync();
        var policy = await portal.CreatePolicyAsync("Mass download", "FileDownload", extra: """ "threshold": {"count": 3, "windowMinutes": 10} """);
        var t = portal.Now;

        // Two downloads: below the threshold.
        var first = await portal.IngestAsync(
            portal.Activity("alice@contoso.com", "FileDownload", t.AddMinutes(-2)),
            portal.Activity("alice@contoso.com", "FileDownload", t.AddMinutes(-1)),
            portal.Activity("bob@contoso.com", "FileDownload", t.AddMinutes(-1)));
        Assert.Equal(0, first.GetProperty("alertsCreated").GetInt32());

        // The third and fourth in the next batch: one alert, not two; Bob (two downloads) still has none.
        var second = await portal.IngestAsync(
            portal.Activity("ALICE@contoso.com", "FileDownload", t),
            portal.Activity("alice@contoso.com", "FileDownload", t),
            portal.Activity("bob@contoso.com", "FileDownload", t));
        Assert.Equal(1, second.GetProperty("alertsCreated").GetInt32());
        Assert.Single(await portal.AlertIdsOfPolicyAsync(policy));

        // More in the same window: nothing new.
        portal.Advance(TimeSpan.FromMinutes(3));
        var third = await portal.IngestAsync(
            portal.Activity("alice@contoso.com", "FileDownload", portal.Now),
            portal.Activity("alice@contoso.com", "FileDownload", portal.Now),
            portal.Activity("alice@contoso.com", "FileDownload", portal.Now));
        Assert.Equal(0, third.GetProperty("alertsCreated").GetInt32());

        // A new window: a new alert once the threshold is reached again.
        portal.Advance(TimeSpan.FromMinutes(15));
        var fourth = await portal.IngestAsync(
            portal.Activity("alice@contoso.com", "FileDownload", portal.Now.AddSeconds(-2)),
            portal.Activity("alice@contoso.com", "FileDownload", portal.Now.AddSeconds(-1)),
            portal.Activity("alice@contoso.com", "FileDownload", portal.Now));
        Assert.Equal(1, fourth.GetProperty("alertsCreated").GetInt32());

        var aliceAlerts = Ids(await portal.ListAlertsAsync($$$"""
            {"filters": {"entity.policy": {"eq": ["{{{policy}}}"]}, "entity.user": {"eq": "alice@contoso.com"} } }
            """));
        Assert.Equal(2, aliceAlerts.Count);
        var firstWindow = await portal.GetAlertAsync(aliceAlerts[1]);
        Assert.Equal(3, firstWindow.GetProperty("evidence").GetArrayLength());
    }

    [Fact]
    public async Task TwoPortalInstancesOnOneDatabase_CountThresholdsAndDailyLimitsTogether()
    {
        var portal = await StartAsync();
        var policy = await portal.CreatePolicyAsync("Mass download", "FileDownload", dailyLimit: 1, extra: """ "threshold": {"count": 3, "windowMinutes": 10} """);
        var services = portal.Factory.Services;
        var first = services.GetRequiredService<ActivityIngestService>();
        // A second portal process on the same database: its own policy catalog and its own copy of the engine's state.
        var second = new ActivityIngestService(services.GetRequiredService<IDbContextFactory<PortalDbContext>>(),
            new PolicyCatalog(NullLogger<PolicyCatalog>.Instance), services.GetRequiredService<AlertOutbox>(), services.GetRequiredService<AlertSignal>(),
            new SqliteWriteGate(), portal.Factory.Time,
            NullLogger<ActivityIngestService>.Instance);
        var t = portal.Now;
        Task<IngestResult> Ingest(ActivityIngestService service, params JsonNode[] items) =>
            service.IngestAsync(JsonDocument.Parse(new JsonArray(items).ToJsonString()).RootElement.EnumerateArray().ToList());

        // Alice's three downloads arrive through both instances: the third completes the threshold wherever it lands.
        Assert.Equal(0, (await Ingest(first, portal.Activity("alice@contoso.com", "FileDownload", t.AddMinutes(-3)))).AlertsCreated);
        Assert.Equal(0, (await Ingest(second, portal.Activity("alice@contoso.com", "FileDownload", t.AddMinutes(-2)))).AlertsCreated);
        Assert.Equal(1, (await Ingest(first, portal.Activity("alice@contoso.com", "FileDownload", t.AddMinutes(-1)))).AlertsCreated);

        // Bob reaches the threshold on the second instance, which must see the first instance's alert in today's count.
        var bob = await Ingest(second, Enumerable.Range(0, 3).Select(i => (JsonNode)portal.Activity("bob@contoso.com", "FileDownload", t.AddSeconds(i))).ToArray());
        Assert.Equal((0, 1), (bob.AlertsCreated, bob.AlertsSuppressed));

        // And the first instance sees the second's suppression.
        var policies = services.GetRequiredService<PolicyService>();
        var today = await policies.TodayAsync(policy);
        Assert.Equal((1, 1), (today.Alerts, today.Suppressed));
        var carol = await Ingest(first, Enumerable.Range(0, 3).Select(i => (JsonNode)portal.Activity("carol@contoso.com", "FileDownload", t.AddSeconds(i))).ToArray());
        Assert.Equal((0, 1), (carol.AlertsCreated, carol.AlertsSuppressed));
        var after = await policies.TodayAsync(policy);
        Assert.Equal((1, 2), (after.Alerts, after.Suppressed));
    }

    [Fact]
    public async Task DailyAlertLimit_Reached_SuppressesFurtherAlerts_AndCountsThemForTheDay()
    {
        var portal = await StartAsync();
        var policy = await portal.CreatePolicyAsync("Log-ons", "LogOn", dailyLimit: 2);
        var service = portal.Factory.Services.GetRequiredService<PolicyService>();

        var first = await portal.IngestAsync(Enumerable.Range(0, 3).Select(i => (JsonNode)portal.Activity($"user{i}@contoso.com", "LogOn")).ToArray());
        var second = await portal.IngestAsync(portal.Activity("late@contoso.com", "LogOn"));

        Assert.Equal(2, first.GetProperty("alertsCreated").GetInt32());
        Assert.Equal(1, first.GetProperty("alertsSuppressed").GetInt32());
        Assert.Equal(0, second.GetProperty("alertsCreated").GetInt32());
        Assert.Equal(1, second.GetProperty("alertsSuppressed").GetInt32());
        Assert.Equal(2, (await portal.AlertIdsOfPolicyAsync(policy)).Count);
        var today = await service.TodayAsync(policy);
        Assert.Equal((2, 2), (today.Alerts, today.Suppressed));
        var row = Assert.Single(await service.ListAsync(new PolicyListFilter()), r => r.Id == policy);
        Assert.Equal((2, 2, 2), (row.AlertsToday, row.SuppressedToday, row.OpenAlerts));

        // A new UTC day starts a new count.
        portal.Advance(TimeSpan.FromDays(1));
        var nextDay = await portal.IngestAsync(portal.Activity("early@contoso.com", "LogOn"));
        Assert.Equal(1, nextDay.GetProperty("alertsCreated").GetInt32());
        Assert.Equal(0, nextDay.GetProperty("alertsSuppressed").GetInt32());
        var nextDayCount = await service.TodayAsync(policy);
        Assert.Equal((1, 0), (nextDayCount.Alerts, nextDayCount.Suppressed));
    }

    // ---- List ----

    [Fact]
    public async Task ListActivities_AnswersTheMcasEnvelope_WithSkipLimitAndHasNext()
    {
        var portal = await StartAsync();
        var t = portal.Now;
        await portal.IngestAsync(Enumerable.Range(0, 5).Select(i => (JsonNode)portal.Activity($"user{i}@contoso.com", "LogOn", t.AddMinutes(-i))).ToArray());

        var first = await portal.ListActivitiesAsync("""{"skip": 0, "limit": 2}""");
        var last = await portal.ListActivitiesAsync("""{"skip": 4, "limit": 2, "sortDirection": "asc"}""");

        Assert.Equal(["data", "hasNext", "max", "total", "moreThanTotal"], first.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["user0@contoso.com", "user1@contoso.com"], first.GetProperty("data").EnumerateArray().Select(a => a.GetProperty("user").GetString()));
        Assert.True(first.GetProperty("hasNext").GetBoolean());
        Assert.Equal(2, first.GetProperty("max").GetInt32());
        Assert.Equal(5, first.GetProperty("total").GetInt32());
        Assert.False(first.GetProperty("moreThanTotal").GetBoolean());
        Assert.Equal(["user0@contoso.com"], last.GetProperty("data").EnumerateArray().Select(a => a.GetProperty("user").GetString()));
        Assert.False(last.GetProperty("hasNext").GetBoolean());
        Assert.Equal(5, last.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task ListActivities_FilteredByAnMcasEntityObject_ReturnsTheActivitiesAboutThatUser()
    {
        var portal = await StartAsync();
        var share = portal.Activity("bob@contoso.com", "FileShare");
        share["targetUser"] = "Alice@Contoso.com";
        await portal.IngestAsync(
            portal.Activity("alice@contoso.com", "LogOn"),
            portal.Activity("bob@contoso.com", "LogOn"),
            share,
            portal.Activity("carol@contoso.com", "FileDownload"));

        // The connector's MCAS_GET_ACTIVITIES body, on the connector's path.
        var about = await JsonAsync(await portal.PostAsync("/cas/api/v1/activities/", """
            {"filters": {"entity": {"eq": [{"id": "ALICE@contoso.com", "saas": 11161, "inst": 0}]}},
             "skip": 0, "limit": 20, "sortField": "date", "sortDirection": "desc"}
            """, Caller.Reader));
        var notAbout = await portal.ListActivitiesAsync("""{"filters": {"entity": {"neq": [{"id": "alice@contoso.com", "saas": 11161, "inst": 0}]}}}""");

        Assert.Equal([("alice@contoso.com", "LogOn"), ("bob@contoso.com", "FileShare")], UsersAndTypes(about).Order());
        Assert.Equal([("bob@contoso.com", "LogOn"), ("carol@contoso.com", "FileDownload")], UsersAndTypes(notAbout).Order());
    }

    [Fact]
    public async Task ListActivities_FilteredByUserUsername_ComparesWithoutCase()
    {
        var portal = await StartAsync();
        await portal.IngestAsync(
            portal.Activity("alice@contoso.com", "LogOn"),
            portal.Activity("alice@fabrikam.com", "LogOn"),
            portal.Activity("bob@contoso.com", "LogOn"));

        var eq = await portal.ListActivitiesAsync("""{"filters": {"user.username": {"eq": "Alice@Contoso.com"}}}""");
        var startsWith = await portal.ListActivitiesAsync("""{"filters": {"user.username": {"startswith": ["ALICE@"]}}}""");
        var endsWith = await portal.ListActivitiesAsync("""{"filters": {"user.username": {"endswith": ["@contoso.com"]}, "activityType": {"eq": ["LogOn"]}}}""");

        Assert.Equal(["alice@contoso.com"], UsersAndTypes(eq).Select(x => x.User));
        Assert.Equal(["alice@contoso.com", "alice@fabrikam.com"], UsersAndTypes(startsWith).Select(x => x.User).Order());
        Assert.Equal(["alice@contoso.com", "bob@contoso.com"], UsersAndTypes(endsWith).Select(x => x.User).Order());
    }

    [Fact]
    public async Task ListActivities_FilteredByDate_HonoursGteLteRangeAndNdays()
    {
        var portal = await StartAsync();
        var t = portal.Now;
        await portal.IngestAsync(
            portal.Activity("d10@contoso.com", "LogOn", t.AddDays(-10)),
            portal.Activity("d3@contoso.com", "LogOn", t.AddDays(-3)),
            portal.Activity("h1@contoso.com", "LogOn", t.AddHours(-1)),
            portal.Activity("now@contoso.com", "LogOn", t));

        async Task<IEnumerable<string>> Users(string filters) =>
            UsersAndTypes(await portal.ListActivitiesAsync($$$"""{"filters": {"date": {{{filters}}} } }""")).Select(x => x.User.Split('@')[0]).Order();

        Assert.Equal(["h1", "now"], await Users($$$"""{"gte": {{{Ms(t.AddHours(-1))}}}}"""));
        Assert.Equal(["d10", "d3"], await Users($$$"""{"lte": {{{Ms(t.AddDays(-3))}}}}"""));
        Assert.Equal(["d3", "h1"], await Users($$$"""{"range": [{"start": {{{Ms(t.AddDays(-4))}}}, "end": {{{Ms(t.AddMinutes(-1))}}}}]}"""));
        Assert.Equal(["d10", "now"], await Users($$$"""{"range": [{"start": {{{Ms(t.AddDays(-11))}}}, "end": {{{Ms(t.AddDays(-9))}}}}, {"start": {{{Ms(t)}}}, "end": {{{Ms(t)}}}}]}"""));
        Assert.Equal(["d3", "h1", "now"], await Users("""{"gte_ndays": 5}"""));
        Assert.Equal(["d10"], await Users("""{"lte_ndays": 5}"""));
        Assert.Equal(["h1", "now"], await Users($$$"""{"gte": "{{{t.AddHours(-1):O}}}"}"""));
    }

    [Fact]
    public async Task GetActivity_ById_AnswersIt_AndAnUnknownId404()
    {
        var portal = await StartAsync();
        await portal.IngestAsync(portal.Activity("alice@contoso.com", "LogOn"));
        var id = (await portal.ListActivitiesAsync()).GetProperty("data")[0].GetProperty("_id").GetString();

        var found = await JsonAsync(await portal.GetAsync($"/api/v1/activities/{id}/"));
        await ProblemAsync(await portal.GetAsync($"/api/v1/activities/{Guid.NewGuid()}/"), HttpStatusCode.NotFound);
        await ProblemAsync(await portal.GetAsync("/api/v1/activities/not-a-guid/"), HttpStatusCode.NotFound);

        Assert.Equal(id, found.GetProperty("_id").GetString());
    }

    private static JsonObject With(JsonObject item, string name, JsonNode? value)
    {
        item[name] = value;
        return item;
    }

    private static JsonObject Without(JsonObject item, string name)
    {
        item.Remove(name);
        return item;
    }

    private static List<(string User, string Type)> UsersAndTypes(JsonElement envelope) =>
        envelope.GetProperty("data").EnumerateArray().Select(a => (a.GetProperty("user").GetString()!, a.GetProperty("activityType").GetString()!)).ToList();
}
