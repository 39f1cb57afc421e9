using System.Net;
using System.Text.Json;
using AdminPortal.Core.Features.Audit;
using Microsoft.EntityFrameworkCore;
using static AdminPortal.IntegrationTests.Alerts.ApiPortal;

namespace AdminPortal.IntegrationTests.Alerts;

public sealed class SqliteAlertsApiTests() : AlertsApiTests(TestDb.Sqlite);

public sealed class PostgreSqlAlertsApiTests() : AlertsApiTests(TestDb.PostgreSql);

/// <summary>
/// The MCAS alerts API on each database: the alert JSON, the list envelope, filters, paging and sorting,
/// fetch, read/unread, and the close calls (current and legacy) with their audit entries.
/// </summary>
public abstract partial class AlertsApiTests(TestDb database) : ApiPortalTest(database)
{
    private const string UnknownId = "0123456789abcdef01234567";

    /// <summary>
    /// Five alerts, one minute apart, from four policies (one per severity):
    /// A1 High (alice, download) 09:00, A2 Low (bob, log-on) 09:01, A3 Informational (alice, share) 09:02,
    /// A4 Medium (carol, admin change) 09:03, A5 High (bob, download) 09:04.
    /// </summary>
    private sealed record Seed(ApiPortal Portal, string A1, string A2, string A3, string A4, string A5,
        string HighPolicy, string LowPolicy, string InfoPolicy, string MediumPolicy)
    {
        public string[] All => [A1, A2, A3, A4, A5];
    }

    private async Task<Seed> SeedAsync()
    {
        var portal = await StartAsync();
        var high = await portal.CreatePolicyAsync("Downloads", "FileDownload", severity: 2);
        var low = await portal.CreatePolicyAsync("Log-ons", "LogOn", severity: 0);
        var info = await portal.CreatePolicyAsync("Shares", "FileShare", severity: 3);
        var medium = await portal.CreatePolicyAsync("Admin changes", "AdminChange", severity: 1);
        var activities = new[]
        {
            portal.Activity("Alice@Contoso.com", "FileDownload", app: "SharePoint Online", ip: "203.0.113.9", country: "NL", objectName: "budget.xlsx"),
            portal.Activity("bob@contoso.com", "LogOn"),
            portal.Activity("alice@contoso.com", "FileShare"),
            portal.Activity("carol@contoso.com", "AdminChange"),
            portal.Activity("bob@contoso.com", "FileDownload"),
        };
        foreach (var activity in activities)
        {
            activity["timestamp"] = portal.Now.ToUnixTimeMilliseconds();
            Assert.Equal(1, (await portal.IngestAsync(activity)).GetProperty("alertsCreated").GetInt32());
            portal.Advance(TimeSpan.FromMinutes(1));
        }
        var ids = Ids(await portal.ListAlertsAsync("""{"sortField": "date", "sortDirection": "asc"}"""));
        Assert.Equal(5, ids.Count);
        return new Seed(portal, ids[0], ids[1], ids[2], ids[3], ids[4], high, low, info, medium);
    }

    // ---- The alert object ----

    [Fact]
    public async Task FetchedAlert_HasTheMcasFieldNames_NumericEnums_AndEntities()
    {
        var seed = await SeedAsync();

        var alert = await seed.Portal.GetAlertAsync(seed.A1);

        foreach (var field in new[] { "_id", "timestamp", "title", "description", "isMarkdown", "statusValue", "severityValue",
                     "resolutionStatusValue", "stories", "entities", "evidence", "intent", "comment", "handledByUser", "resolveTime", "URL" })
            Assert.True(alert.TryGetProperty(field, out _), $"The alert has no \"{field}\": {alert}");
        Assert.Matches("^[0-9a-f]{24}$", alert.GetProperty("_id").GetString());
        Assert.Equal(seed.A1, alert.GetProperty("_id").GetString());
        Assert.Equal(JsonValueKind.Number, alert.GetProperty("timestamp").ValueKind);
        Assert.Equal(Start.ToUnixTimeMilliseconds(), alert.GetProperty("timestamp").GetInt64());
        Assert.Equal("Downloads", alert.GetProperty("title").GetString());
        Assert.Contains("alice@contoso.com", alert.GetProperty("description").GetString());
        Assert.Equal(JsonValueKind.False, alert.GetProperty("isMarkdown").ValueKind);
        Assert.Equal(0, alert.GetProperty("statusValue").GetInt32());
        Assert.Equal(2, alert.GetProperty("severityValue").GetInt32());
        Assert.Equal(0, alert.GetProperty("resolutionStatusValue").GetInt32());
        Assert.Equal([0], alert.GetProperty("stories").EnumerateArray().Select(s => s.GetInt32()));
        Assert.Equal(JsonValueKind.Array, alert.GetProperty("evidence").ValueKind);
        Assert.Equal(JsonValueKind.Array, alert.GetProperty("intent").ValueKind);
        Assert.Equal(JsonValueKind.Null, alert.GetProperty("comment").ValueKind);
        Assert.Equal(JsonValueKind.Null, alert.GetProperty("handledByUser").ValueKind);
        Assert.Equal(JsonValueKind.Null, alert.GetProperty("resolveTime").ValueKind);
        var url = alert.GetProperty("URL").GetString()!;
        Assert.True(Uri.TryCreate(url, UriKind.Absolute, out _), url);
        Assert.EndsWith($"/alerts/{seed.A1}", url);

        var entities = alert.GetProperty("entities").EnumerateArray().ToList();
        Assert.All(entities, e => Assert.Equal(["type", "id", "label"], e.EnumerateObject().Select(p => p.Name).Take(3)));
        var account = Assert.Single(entities, e => e.GetProperty("type").GetString() == "account");
        Assert.Equal("alice@contoso.com", account.GetProperty("id").GetString());
        Assert.Equal("alice@contoso.com", account.GetProperty("pa").GetString());
        Assert.Equal("203.0.113.9", Assert.Single(entities, e => e.GetProperty("type").GetString() == "ip").GetProperty("id").GetString());
        Assert.Equal("SharePoint Online", Assert.Single(entities, e => e.GetProperty("type").GetString() == "service").GetProperty("id").GetString());
        Assert.Equal("budget.xlsx", Assert.Single(entities, e => e.GetProperty("type").GetString() == "file").GetProperty("id").GetString());
        var rule = Assert.Single(entities, e => e.GetProperty("type").GetString() == "policyRule");
        Assert.Equal(seed.HighPolicy, rule.GetProperty("id").GetString());
        Assert.Equal("Downloads", rule.GetProperty("label").GetString());
        Assert.Equal("ACTIVITY", rule.GetProperty("policyType").GetString());
        Assert.All(entities.Where(e => e.GetProperty("type").GetString() != "account"), e => Assert.False(e.TryGetProperty("pa", out _)));
    }

    [Fact]
    public async Task FetchingAlert_WithAnUnknownId_Answers404ProblemDetails()
    {
        var seed = await SeedAsync();

        var problem = await ProblemAsync(await seed.Portal.GetAsync($"/api/v1/alerts/{UnknownId}/"), HttpStatusCode.NotFound);
        await ProblemAsync(await seed.Portal.GetAsync("/cas/api/v1/alerts/not-an-id/"), HttpStatusCode.NotFound);

        Assert.Contains(UnknownId, ProblemText(problem));
        // Upper case ids (as some scripts write them) find the alert.
        Assert.Equal(seed.A2, (await JsonAsync(await seed.Portal.GetAsync($"/cas/api/v1/alerts/{seed.A2.ToUpperInvariant()}/"))).GetProperty("_id").GetString());
    }

    // ---- List: envelope, paging, sorting ----

    [Fact]
    public async Task ListAlerts_ByGetAndPost_OnBothPrefixes_AnswerTheMcasEnvelope()
    {
        var seed = await SeedAsync();
        var portal = seed.Portal;

        var answers = new[]
        {
            await JsonAsync(await portal.GetAsync("/api/v1/alerts/")),
            await JsonAsync(await portal.GetAsync("/cas/api/v1/alerts/")),
            await portal.ListAlertsAsync("{}"),
            await portal.ListAlertsAsync("{}", "/cas/api/v1/alerts/"),
            await JsonAsync(await portal.PostAsync("/api/v1/alerts/", null, Caller.Reader)),
        };

        foreach (var answer in answers)
        {
            Assert.Equal(["data", "hasNext", "max", "total", "moreThanTotal"], answer.EnumerateObject().Select(p => p.Name));
            Assert.Equal([seed.A5, seed.A4, seed.A3, seed.A2, seed.A1], Ids(answer));
            Assert.False(answer.GetProperty("hasNext").GetBoolean());
            Assert.Equal(100, answer.GetProperty("max").GetInt32());
            Assert.Equal(5, answer.GetProperty("total").GetInt32());
            Assert.False(answer.GetProperty("moreThanTotal").GetBoolean());
        }
    }

    [Fact]
    public async Task ListAlerts_WithSkipAndLimit_PagesThroughAll_AndSaysWhetherThereIsMore()
    {
        var seed = await SeedAsync();

        var pages = new List<JsonElement>();
        for (var skip = 0; skip < 6; skip += 2)
            pages.Add(await seed.Portal.ListAlertsAsync($$$"""{"skip": {{{skip}}}, "limit": 2, "sortDirection": "asc"}"""));

        Assert.Equal([[seed.A1, seed.A2], [seed.A3, seed.A4], [seed.A5]], pages.Select(Ids));
        Assert.Equal([true, true, false], pages.Select(p => p.GetProperty("hasNext").GetBoolean()));
        Assert.All(pages, p => Assert.Equal(5, p.GetProperty("total").GetInt32()));
        Assert.All(pages, p => Assert.Equal(2, p.GetProperty("max").GetInt32()));
        var beyond = await seed.Portal.ListAlertsAsync("""{"skip": 10, "limit": 2}""");
        Assert.Empty(Ids(beyond));
        Assert.False(beyond.GetProperty("hasNext").GetBoolean());
        Assert.Equal(5, beyond.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task ListAlerts_TakesLimitAndSkipAsQueryValues()
    {
        var seed = await SeedAsync();
        var portal = seed.Portal;

        var post = await JsonAsync(await portal.PostAsync("/api/v1/alerts/?limit=2", """{"sortDirection": "asc"}""", Caller.Reader));
        var get = await JsonAsync(await portal.GetAsync("/api/v1/alerts/?limit=2&skip=1&sortDirection=asc"));
        var getFiltered = await JsonAsync(await portal.GetAsync("/api/v1/alerts/?limit=1&filters=" + Uri.EscapeDataString("""{"severity":{"eq":2}}""")));

        Assert.Equal([seed.A1, seed.A2], Ids(post));
        Assert.Equal(2, post.GetProperty("max").GetInt32());
        Assert.True(post.GetProperty("hasNext").GetBoolean());
        Assert.Equal([seed.A2, seed.A3], Ids(get));
        Assert.Equal([seed.A5], Ids(getFiltered));
        Assert.Equal(2, getFiltered.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task ListAlerts_SortedByDateOrSeverity_InEitherDirection_AreInThatOrder()
    {
        var seed = await SeedAsync();
        var portal = seed.Portal;

        async Task<List<string>> Sorted(string field, string direction) =>
            Ids(await portal.ListAlertsAsync($$$"""{"sortField": "{{{field}}}", "sortDirection": "{{{direction}}}"}"""));

        Assert.Equal([seed.A5, seed.A4, seed.A3, seed.A2, seed.A1], await Sorted("date", "desc"));
        Assert.Equal([seed.A1, seed.A2, seed.A3, seed.A4, seed.A5], await Sorted("date", "asc"));
        // Informational < Low < Medium < High, the newest first among equals when descending.
        Assert.Equal([seed.A5, seed.A1, seed.A4, seed.A2, seed.A3], await Sorted("severity", "desc"));
        Assert.Equal([seed.A3, seed.A2, seed.A4, seed.A1, seed.A5], await Sorted("severity", "asc"));
    }

    // ---- List: filters ----

    [Fact]
    public async Task FilterSeverity_TakesAScalarOrAList()
    {
        var seed = await SeedAsync();
        var portal = seed.Portal;

        var high = await portal.ListAlertsAsync("""{"filters": {"severity": {"eq": 2}}}""");
        var lowOrInfo = await portal.ListAlertsAsync("""{"filters": {"severity": {"eq": [0, 3]}}}""");
        var notHigh = await portal.ListAlertsAsync("""{"filters": {"severity": {"neq": [2]}}}""");

        Assert.Equal([seed.A5, seed.A1], Ids(high));
        Assert.All(high.GetProperty("data").EnumerateArray(), a => Assert.Equal(2, a.GetProperty("severityValue").GetInt32()));
        Assert.Equal([seed.A3, seed.A2], Ids(lowOrInfo));
        Assert.Equal([seed.A4, seed.A3, seed.A2], Ids(notHigh));
    }

    [Fact]
    public async Task FilterResolutionStatus_AsTheConnectorSendsIt_ReturnsTheOpenAlerts()
    {
        var seed = await SeedAsync();
        var portal = seed.Portal;
        await JsonAsync(await portal.PostAsync("/api/v1/alerts/close_true_positive/", $$$"""{"filters": {"id": {"eq": ["{{{seed.A4}}}"]} } }""", Caller.Operator));

        // MCAS_GET_OPEN_ALERTS, as the Power Automate connector sends it.
        var open = await JsonAsync(await portal.PostAsync("/cas/api/v1/alerts/", """
            {"skip": 0, "limit": 20, "filters": {"resolutionStatus": {"eq": 0}}, "sortField": "date", "sortDirection": "desc",
             "projectedMSFlowFields": true}
            """, Caller.Reader));
        var truePositive = await portal.ListAlertsAsync("""{"filters": {"resolutionStatus": {"eq": [5]}}}""");

        Assert.Equal([seed.A5, seed.A3, seed.A2, seed.A1], Ids(open));
        Assert.Equal(20, open.GetProperty("max").GetInt32());
        Assert.Equal([seed.A4], Ids(truePositive));
        Assert.Equal(5, truePositive.GetProperty("data")[0].GetProperty("resolutionStatusValue").GetInt32());
    }

    [Fact]
    public async Task FilterAlertOpenAndRead_FollowClosingAndReading()
    {
        var seed = await SeedAsync();
        var portal = seed.Portal;
        await JsonAsync(await portal.PostAsync("/api/v1/alerts/close_benign/", $$$"""{"filters": {"id": {"eq": ["{{{seed.A1}}}", "{{{seed.A2}}}"]} } }""", Caller.Operator));
        await JsonAsync(await portal.PostAsync($"/api/v1/alerts/{seed.A3}/read/", null, Caller.Operator));

        Assert.Equal([seed.A5, seed.A4, seed.A3], Ids(await portal.ListAlertsAsync("""{"filters": {"alertOpen": {"eq": true}}}""")));
        Assert.Equal([seed.A2, seed.A1], Ids(await portal.ListAlertsAsync("""{"filters": {"alertOpen": {"eq": false}}}""")));
        Assert.Equal([seed.A3], Ids(await portal.ListAlertsAsync("""{"filters": {"read": {"eq": true}}}""")));
        Assert.Equal([seed.A5, seed.A4, seed.A2, seed.A1], Ids(await portal.ListAlertsAsync("""{"filters": {"read": {"eq": false}}}""")));
    }

    [Fact]
    public async Task FilterResolutionDate_FindsTheAlertsClosedThen()
    {
        var seed = await SeedAsync();
        var portal = seed.Portal;
        var firstClose = portal.Now;
        await JsonAsync(await portal.PostAsync("/api/v1/alerts/close_benign/", $$$"""{"filters": {"id": {"eq": ["{{{seed.A1}}}"]} } }""", Caller.Operator));
        portal.Advance(TimeSpan.FromHours(2));
        await JsonAsync(await portal.PostAsync("/api/v1/alerts/close_benign/", $$$"""{"filters": {"id": {"eq": ["{{{seed.A2}}}"]} } }""", Caller.Operator));

        Assert.Equal([seed.A2, seed.A1], Ids(await portal.ListAlertsAsync("""{"filters": {"resolutionDate": {"isset": true}}}""")));
        Assert.Equal([seed.A5, seed.A4, seed.A3], Ids(await portal.ListAlertsAsync("""{"filters": {"resolutionDate": {"isnotset": true}}}""")));
        Assert.Equal([seed.A2], Ids(await portal.ListAlertsAsync($$$"""{"filters": {"resolutionDate": {"gt": {{{Ms(firstClose)}}} } } }""")));
        Assert.Equal([seed.A1], Ids(await portal.ListAlertsAsync(
            $$$"""{"filters": {"resolutionDate": {"range": [{"start": {{{Ms(firstClose)}}}, "end": {{{Ms(firstClose.AddHours(1))}}}}]} } }""")));
    }

    [Fact]
    public async Task FilterEntityUser_WithAnMcasEntityObject_FindsThatUsersAlerts_WhateverTheCase()
    {
        var seed = await SeedAsync();
        var portal = seed.Portal;

        var alice = await portal.ListAlertsAsync("""{"filters": {"entity.user": {"eq": {"id": "Alice@Contoso.com", "saas": 11161, "inst": 0}}}}""");
        var bobList = await portal.ListAlertsAsync("""{"filters": {"entity.user": {"eq": [{"id": "bob@contoso.com", "saas": 11161, "inst": 0}]}}}""");
        var notAlice = await portal.ListAlertsAsync("""{"filters": {"entity.user": {"neq": ["alice@contoso.com"]} } }""");

        Assert.Equal([seed.A3, seed.A1], Ids(alice));
        Assert.Equal([seed.A5, seed.A2], Ids(bobList));
        Assert.Equal([seed.A5, seed.A4, seed.A2], Ids(notAlice));
    }

    [Fact]
    public async Task FilterEntityEntity_WithAnUpnAsTheDirectorySpellsIt_FindsTheAccountsAlerts()
    {
        var seed = await SeedAsync();

        // entity.entity matches any entity; an account's UPN compares without case, as for entity.user.
        var alice = await seed.Portal.ListAlertsAsync("""{"filters": {"entity.entity": {"eq": {"id": "Alice@Contoso.com", "saas": 11161, "inst": 0}}}}""");

        Assert.Equal([seed.A3, seed.A1], Ids(alice));
    }

    [Fact]
    public async Task FilterEntityPolicy_AndOtherEntities_FindTheAlertsAboutThem()
    {
        var seed = await SeedAsync();
        var portal = seed.Portal;

        Assert.Equal([seed.A5, seed.A1], Ids(await portal.ListAlertsAsync($$$"""{"filters": {"entity.policy": {"eq": ["{{{seed.HighPolicy}}}"]} } }""")));
        Assert.Equal([seed.A4, seed.A2], Ids(await portal.ListAlertsAsync(
            $$$"""{"filters": {"entity.policy": {"eq": [{"id": "{{{seed.LowPolicy}}}", "type": "policyRule"}, "{{{seed.MediumPolicy}}}"]} } }""")));
        Assert.Equal([seed.A1], Ids(await portal.ListAlertsAsync("""{"filters": {"entity.ip": {"eq": ["203.0.113.9"]} } }""")));
        Assert.Equal([seed.A1], Ids(await portal.ListAlertsAsync("""{"filters": {"entity.service": {"eq": ["SharePoint Online"]} } }""")));
        Assert.Equal([seed.A1], Ids(await portal.ListAlertsAsync("""{"filters": {"entity.file": {"eq": ["budget.xlsx"]} } }""")));
        Assert.Empty(Ids(await portal.ListAlertsAsync($$$"""{"filters": {"entity.policy": {"eq": ["{{{UnknownId}}}"]} } }""")));
    }

    [Fact]
    public async Task FilterDate_HonoursGteLteRangeAndNdays_InEpochMilliseconds()
    {
        var seed = await SeedAsync();
        var portal = seed.Portal;
        var t = Start; // A1 at t, A2 at t+1 min, … A5 at t+4 min

        async Task<List<string>> Dated(string filter) => Ids(await portal.ListAlertsAsync($$$"""{"filters": {"date": {{{filter}}} }, "sortDirection": "asc"}"""));

        Assert.Equal([seed.A3, seed.A4, seed.A5], await Dated($$$"""{"gte": {{{Ms(t.AddMinutes(2))}}}}"""));
        Assert.Equal([seed.A1, seed.A2], await Dated($$$"""{"lte": {{{Ms(t.AddMinutes(1))}}}}"""));
        Assert.Equal([seed.A4, seed.A5], await Dated($$$"""{"gt": {{{Ms(t.AddMinutes(2))}}}}"""));
        Assert.Equal([seed.A2, seed.A3, seed.A4], await Dated($$$"""{"range": [{"start": {{{Ms(t.AddMinutes(1))}}}, "end": {{{Ms(t.AddMinutes(3))}}}}]}"""));
        Assert.Equal([seed.A2, seed.A3, seed.A4], await Dated($$$"""{"gte": {{{Ms(t.AddMinutes(1))}}}, "lte": {{{Ms(t.AddMinutes(3))}}}}"""));
        Assert.Equal(seed.All, await Dated("""{"gte_ndays": 1}"""));

        // Three days on, a new alert: only it is from the last day.
        portal.Advance(TimeSpan.FromDays(3));
        await portal.IngestAsync(portal.Activity("dave@contoso.com", "LogOn"));
        var recent = await Dated("""{"gte_ndays": 1}""");
        var older = await Dated("""{"lte_ndays": 1}""");

        var a6 = Assert.Single(recent);
        Assert.DoesNotContain(a6, seed.All);
        Assert.Equal(seed.All, older);
    }

    [Fact]
    public async Task FilterId_EqAndNeq_TakeTheIdsAsListsOrScalars()
    {
        var seed = await SeedAsync();
        var portal = seed.Portal;

        Assert.Equal([seed.A4, seed.A2], Ids(await portal.ListAlertsAsync($$$"""{"filters": {"id": {"eq": ["{{{seed.A2}}}", "{{{seed.A4}}}", "{{{UnknownId}}}"]} } }""")));
        Assert.Equal([seed.A3], Ids(await portal.ListAlertsAsync($$$"""{"filters": {"ID": {"eq": "{{{seed.A3.ToUpperInvariant()}}}"} } }""")));
        Assert.Equal([seed.A5, seed.A3, seed.A1], Ids(await portal.ListAlertsAsync($$$"""{"filters": {"id": {"neq": ["{{{seed.A2}}}", "{{{seed.A4}}}"]} } }""")));
    }

    [Fact]
    public async Task Filters_CombineWithAnd()
    {
        var seed = await SeedAsync();

        var answer = await seed.Portal.ListAlertsAsync($$$"""
            {"filters": {"severity": {"eq": [2]}, "entity.user": {"eq": ["bob@contoso.com"]}, "date": {"gte": {{{Ms(Start)}}}} } }
            """);

        Assert.Equal([seed.A5], Ids(answer));
    }

    // ---- Read / unread ----

    [Fact]
    public async Task MarkingRead_AndUnread_ChangesStatusValue()
    {
        var seed = await SeedAsync();
        var portal = seed.Portal;

        var read = await JsonAsync(await portal.PostAsync($"/api/v1/alerts/{seed.A1}/read/", null, Caller.Operator));
        var fetchedRead = await portal.GetAlertAsync(seed.A1);
        var unread = await JsonAsync(await portal.PostAsync($"/cas/api/v1/alerts/{seed.A1}/unread/", null, Caller.Operator));

        Assert.Equal(1, read.GetProperty("statusValue").GetInt32());
        Assert.Equal(1, fetchedRead.GetProperty("statusValue").GetInt32());
        Assert.Equal(0, unread.GetProperty("statusValue").GetInt32());
        Assert.Equal(0, (await portal.GetAlertAsync(seed.A1)).GetProperty("statusValue").GetInt32());
        Assert.Equal(0, (await portal.GetAlertAsync(seed.A2)).GetProperty("statusValue").GetInt32());
    }

    [Fact]
    public async Task MarkingRead_AnUnknownAlert_Answers404_AndAReaderGets403()
    {
        var seed = await SeedAsync();
        var portal = seed.Portal;

        await ProblemAsync(await portal.PostAsync($"/api/v1/alerts/{UnknownId}/read/", null, Caller.Operator), HttpStatusCode.NotFound);
        await ProblemAsync(await portal.PostAsync($"/api/v1/alerts/{UnknownId}/unread/", null, Caller.Operator), HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.Forbidden, (await portal.PostAsync($"/api/v1/alerts/{seed.A1}/read/", null, Caller.Reader)).StatusCode);
        Assert.Equal(0, (await portal.GetAlertAsync(seed.A1)).GetProperty("statusValue").GetInt32());
    }

    // ---- Closing ----

    [Fact]
    public async Task ClosingAlertAsBenign_WithAValidReason_ClosesIt_AndRecordsWhoWhenAndWhy()
    {
        var seed = await SeedAsync();
        var portal = seed.Portal;
        var closedAt = portal.Now;

        var answer = await JsonAsync(await portal.PostAsync("/api/v1/alerts/close_benign/", $$$"""
            {"filters": {"id": {"eq": ["{{{seed.A1}}}"]}}, "comment": "Known test account", "reasonId": 6,
             "sendFeedback": false, "feedbackText": "", "allowContact": false, "contactEmail": ""}
            """, Caller.Operator));

        Assert.Equal(["closed_benign"], answer.EnumerateObject().Select(p => p.Name));
        Assert.Equal(1, answer.GetProperty("closed_benign").GetInt32());
        var alert = await portal.GetAlertAsync(seed.A1);
        Assert.Equal(4, alert.GetProperty("resolutionStatusValue").GetInt32());
        Assert.Equal("Known test account", alert.GetProperty("comment").GetString());
        Assert.Equal(OperatorUpn, alert.GetProperty("handledByUser").GetString());
        Assert.Equal(closedAt, DateTimeOffset.Parse(alert.GetProperty("resolveTime").GetString()!));
        Assert.Equal(0, (await portal.GetAlertAsync(seed.A2)).GetProperty("resolutionStatusValue").GetInt32());
    }

    [Fact]
    public async Task ClosingAlertAsBenign_WithAReasonIdNotValidForBenign_Answers400NamingReasonId_AndClosesNothing()
    {
        var seed = await SeedAsync();
        var portal = seed.Portal;

        foreach (var reason in new[] { "0", "3", "99", "\"2\"" })
        {
            var problem = await ProblemAsync(await portal.PostAsync("/api/v1/alerts/close_benign/",
                $$$"""{"filters": {"id": {"eq": ["{{{seed.A1}}}"]}}, "reasonId": {{{reason}}} }""", Caller.Operator), HttpStatusCode.BadRequest);
            Assert.Contains("reasonId", Errors(problem).Keys);
        }

        Assert.Equal(0, (await portal.GetAlertAsync(seed.A1)).GetProperty("resolutionStatusValue").GetInt32());
    }

    [Fact]
    public async Task ClosingAlertsAsFalsePositive_ByAFilter_ClosesEveryMatch()
    {
        var seed = await SeedAsync();
        var portal = seed.Portal;

        var answer = await JsonAsync(await portal.PostAsync("/api/v1/alerts/close_false_positive/",
            """{"filters": {"severity": {"eq": 2}}, "reasonId": 1, "comment": "Backup job"}""", Caller.Operator));

        Assert.Equal(["closed_false_positive"], answer.EnumerateObject().Select(p => p.Name));
        Assert.Equal(2, answer.GetProperty("closed_false_positive").GetInt32());
        Assert.Equal([seed.A5, seed.A1], Ids(await portal.ListAlertsAsync("""{"filters": {"resolutionStatus": {"eq": 3}}}""")));
        Assert.Equal([seed.A4, seed.A3, seed.A2], Ids(await portal.ListAlertsAsync("""{"filters": {"resolutionStatus": {"eq": 0}}}""")));
        // reasonId 6 is for benign only.
        await ProblemAsync(await portal.PostAsync("/api/v1/alerts/close_false_positive/",
            $$$"""{"filters": {"id": {"eq": ["{{{seed.A2}}}"]}}, "reasonId": 6}""", Caller.Operator), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task ClosingAlert_WithUnknownId_ReportsItInAlertsNotFound()
    {
        var seed = await SeedAsync();
        var portal = seed.Portal;

        var answer = await JsonAsync(await portal.PostAsync("/api/v1/alerts/close_true_positive/",
            $$$"""{"filters": {"id": {"eq": ["{{{seed.A2}}}", "{{{UnknownId}}}"]}}, "comment": "Confirmed compromise"}""", Caller.Operator));

        Assert.Equal(1, answer.GetProperty("closed_true_positive").GetInt32());
        Assert.Equal([UnknownId], answer.GetProperty("alertsNotFound").EnumerateArray().Select(i => i.GetString()));
        Assert.Equal(5, (await portal.GetAlertAsync(seed.A2)).GetProperty("resolutionStatusValue").GetInt32());
    }

    [Fact]
    public async Task ClosingAlertAsTruePositive_WithAReasonId_Answers400_AndClosesNothing()
    {
        var seed = await SeedAsync();

        var problem = await ProblemAsync(await seed.Portal.PostAsync("/api/v1/alerts/close_true_positive/",
            $$$"""{"filters": {"id": {"eq": ["{{{seed.A2}}}"]}}, "reasonId": 4}""", Caller.Operator), HttpStatusCode.BadRequest);

        Assert.Contains("reasonId", Errors(problem).Keys);
        Assert.Equal(0, (await seed.Portal.GetAlertAsync(seed.A2)).GetProperty("resolutionStatusValue").GetInt32());
    }

    [Fact]
    public async Task ClosingAlertTwiceTheSameWay_CountsItOnlyTheFirstTime()
    {
        var seed = await SeedAsync();
        var body = $$$"""{"filters": {"id": {"eq": ["{{{seed.A2}}}"]} } }""";

        var first = await JsonAsync(await seed.Portal.PostAsync("/api/v1/alerts/close_true_positive/", body, Caller.Operator));
        var second = await JsonAsync(await seed.Portal.PostAsync("/api/v1/alerts/close_true_positive/", body, Caller.Operator));

        Assert.Equal(1, first.GetProperty("closed_true_positive").GetInt32());
        Assert.Equal(0, second.GetProperty("closed_true_positive").GetInt32());
        Assert.False(second.TryGetProperty("alertsNotFound", out _));
    }

    [Fact]
    public async Task LegacyDismissBulkAndResolve_WithTheConnectorsBody_CloseAsFalseAndTruePositive()
    {
        var seed = await SeedAsync();
        var portal = seed.Portal;

        // MCAS_DISMISS_ALERT and MCAS_RESOLVE_ALERT, as the published sample flows call them.
        var dismissed = await JsonAsync(await portal.PostAsync("/cas/api/v1/alerts/dismiss_bulk/",
            $$$"""{"filters":{"id":{"eq":["{{{seed.A1}}}"]}},"comment":"Dismissed by flow"}""", Caller.Operator));
        var resolved = await JsonAsync(await portal.PostAsync("/cas/api/v1/alerts/resolve/",
            $$$"""{"filters":{"id":{"eq":["{{{seed.A2}}}"]}},"comment":"Resolved by flow"}""", Caller.Operator));

        Assert.Equal(1, Assert.Single(dismissed.EnumerateObject()).Value.GetInt32());
        Assert.Equal(1, Assert.Single(resolved.EnumerateObject()).Value.GetInt32());
        var a1 = await portal.GetAlertAsync(seed.A1);
        var a2 = await portal.GetAlertAsync(seed.A2);
        Assert.Equal((3, "Dismissed by flow"), (a1.GetProperty("resolutionStatusValue").GetInt32(), a1.GetProperty("comment").GetString()));
        Assert.Equal((5, "Resolved by flow"), (a2.GetProperty("resolutionStatusValue").GetInt32(), a2.GetProperty("comment").GetString()));
    }

    [Fact]
    public async Task LegacyDismissOne_ClosesThatAlertAsFalsePositive_AndAnUnknownId404()
    {
        var seed = await SeedAsync();
        var portal = seed.Portal;

        await JsonAsync(await portal.PostAsync($"/api/v1/alerts/{seed.A3}/dismiss/", """{"comment": "Expected share"}""", Caller.Operator));
        await ProblemAsync(await portal.PostAsync($"/api/v1/alerts/{UnknownId}/dismiss/", """{"comment": "x"}""", Caller.Operator), HttpStatusCode.NotFound);

        var a3 = await portal.GetAlertAsync(seed.A3);
        Assert.Equal((3, "Expected share"), (a3.GetProperty("resolutionStatusValue").GetInt32(), a3.GetProperty("comment").GetString()));
        Assert.Equal([seed.A5, seed.A4, seed.A2, seed.A1], Ids(await portal.ListAlertsAsync("""{"filters": {"alertOpen": {"eq": true}}}""")));
    }

    [Fact]
    public async Task ClosingAlerts_WithoutFilters_Answers400_AndClosesNothing()
    {
        var seed = await SeedAsync();
        var portal = seed.Portal;

        foreach (var path in new[] { "close_benign", "close_false_positive", "close_true_positive", "dismiss_bulk", "resolve" })
        {
            foreach (var body in new[] { """{"filters": {}}""", """{"comment": "all of them"}""", """{"filters": null}""", "{}" })
            {
                var problem = await ProblemAsync(await portal.PostAsync($"/api/v1/alerts/{path}/", body, Caller.Operator), HttpStatusCode.BadRequest);
                Assert.Contains("filters", Errors(problem).Keys);
            }
        }

        Assert.Equal(5, (await portal.ListAlertsAsync("""{"filters": {"alertOpen": {"eq": true}}}""")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task ClosingAlerts_WithAReadersToken_Answers403_AndClosesNothing()
    {
        var seed = await SeedAsync();
        var portal = seed.Portal;
        var body = $$$"""{"filters": {"id": {"eq": ["{{{seed.A1}}}"]} } }""";

        foreach (var path in new[] { "close_benign/", "close_false_positive/", "close_true_positive/", "dismiss_bulk/", "resolve/", $"{seed.A1}/dismiss/" })
        {
            var response = await portal.PostAsync($"/api/v1/alerts/{path}", body, Caller.Reader);
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{path}: {(int)response.StatusCode}");
        }

        Assert.Equal(0, (await portal.GetAlertAsync(seed.A1)).GetProperty("resolutionStatusValue").GetInt32());
        await using var db = portal.Factory.CreateDbContext();
        Assert.Equal(0, await db.AuditEntries.CountAsync(e => e.Action == AuditActions.AlertClosed));
    }

    [Fact]
    public async Task ClosingAlerts_WritesAnAuditEntry_NamingTheCallerResolutionAndAlerts()
    {
        var seed = await SeedAsync();
        var portal = seed.Portal;

        await JsonAsync(await portal.PostAsync("/api/v1/alerts/close_benign/", $$$"""{"filters": {"id": {"eq": ["{{{seed.A1}}}"]}}, "reasonId": 2}""", Caller.Operator));
        await JsonAsync(await portal.PostAsync("/api/v1/alerts/close_true_positive/", """{"filters": {"entity.user": {"eq": ["bob@contoso.com"]} } }""", Caller.Admin));

        await using var db = portal.Factory.CreateDbContext();
        var entries = await db.AuditEntries.Where(e => e.Action == AuditActions.AlertClosed).OrderBy(e => e.Id).ToListAsync();
        Assert.Equal(2, entries.Count);
        Assert.Equal((OperatorUpn, "Alert", seed.A1), (entries[0].Actor, entries[0].TargetType, entries[0].TargetId));
        Assert.Contains("Benign", entries[0].Details);
        Assert.Contains("reasonId=2", entries[0].Details);
        Assert.Equal(AdminUpn, entries[1].Actor);
        Assert.Contains("TruePositive", entries[1].Details);
        Assert.Contains("count=2", entries[1].Details);
        Assert.Contains(seed.A2, entries[1].Details);
        Assert.Contains(seed.A5, entries[1].Details);
    }
}
