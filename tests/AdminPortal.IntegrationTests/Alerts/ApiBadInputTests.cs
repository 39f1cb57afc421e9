using System.Net;
using System.Net.Http.Headers;
using System.Text;
using static AdminPortal.IntegrationTests.Alerts.ApiPortal;

namespace AdminPortal.IntegrationTests.Alerts;

/// <summary>
/// Bad input to the alerts, activities and policies API: each gets RFC 9457 problem details with the right
/// status that name the problem — never a 500. (Parsing does not depend on the database: SQLite only.)
/// </summary>
public sealed class ApiBadInputTests() : ApiPortalTest(TestDb.Sqlite)
{
    private const string UnknownAlertId = "0123456789abcdef01234567";

    /// <summary>Every call that reads a body (method, path, caller allowed to make it).</summary>
    private static IEnumerable<(HttpMethod Method, string Path, Caller Caller)> BodyCalls(string alertId, string policyId) =>
    [
        (HttpMethod.Post, "/api/v1/alerts/", Caller.Reader),
        (HttpMethod.Get, "/api/v1/alerts/", Caller.Reader),
        (HttpMethod.Post, "/cas/api/v1/alerts/", Caller.Reader),
        (HttpMethod.Post, "/api/v1/alerts/close_benign/", Caller.Operator),
        (HttpMethod.Post, "/api/v1/alerts/close_false_positive/", Caller.Operator),
        (HttpMethod.Post, "/api/v1/alerts/close_true_positive/", Caller.Operator),
        (HttpMethod.Post, "/cas/api/v1/alerts/dismiss_bulk/", Caller.Operator),
        (HttpMethod.Post, "/cas/api/v1/alerts/resolve/", Caller.Operator),
        (HttpMethod.Post, $"/api/v1/alerts/{alertId}/dismiss/", Caller.Operator),
        (HttpMethod.Post, "/api/v1/activities/", Caller.Reader),
        (HttpMethod.Post, "/api/v1/activities/ingest/", Caller.Operator),
        (HttpMethod.Post, "/api/v1/policies/", Caller.Admin),
        (HttpMethod.Put, $"/api/v1/policies/{policyId}/", Caller.Admin),
    ];

    private async Task<(ApiPortal Portal, string AlertId, string PolicyId)> PortalWithAnAlertAsync()
    {
        var portal = await StartAsync();
        var policyId = await portal.CreatePolicyAsync("Log-ons", "LogOn");
        await portal.IngestAsync(portal.Activity("alice@contoso.com", "LogOn"));
        return (portal, Assert.Single(await portal.AlertIdsOfPolicyAsync(policyId)), policyId);
    }

    [Fact]
    public async Task MalformedJson_OnEveryCallThatReadsABody_Answers400NamingWhereItBroke()
    {
        var (portal, alertId, policyId) = await PortalWithAnAlertAsync();

        foreach (var (method, path, caller) in BodyCalls(alertId, policyId))
        {
            var problem = await ProblemAsync(await portal.SendAsync(method, path, """{"filters": {"severity": {"eq": 2}""", caller), HttpStatusCode.BadRequest);
            Assert.Contains("not valid JSON", problem.GetProperty("detail").GetString());
            Assert.Contains("line 1", problem.GetProperty("detail").GetString());
        }

        Assert.Equal(0, (await portal.GetAlertAsync(alertId)).GetProperty("resolutionStatusValue").GetInt32());
    }

    [Fact]
    public async Task JsonNestedTooDeeply_Answers400_Not500()
    {
        var (portal, alertId, policyId) = await PortalWithAnAlertAsync();
        var deep = "{\"filters\": " + new string('[', 200) + new string(']', 200) + "}";

        foreach (var (method, path, caller) in BodyCalls(alertId, policyId))
            await ProblemAsync(await portal.SendAsync(method, path, deep, caller), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task ListingPolicies_WithLimitZeroOrTenThousand_Answers400NamingLimit()
    {
        var portal = await StartAsync();

        foreach (var query in new[] { "?limit=0", "?limit=10000", "?skip=-1" })
        {
            var problem = await ProblemAsync(await portal.GetAsync("/api/v1/policies/" + query), HttpStatusCode.BadRequest);
            Assert.Contains(query[1..query.IndexOf('=')], Errors(problem).Keys);
        }
    }

    [Fact]
    public async Task IdsThatDoNotExist_Answer404ProblemDetails()
    {
        var portal = await StartAsync();
        const string policy = "fedcba9876543210fedcba98";

        foreach (var (method, path, caller, body) in new (HttpMethod, string, Caller, string?)[]
                 {
                     (HttpMethod.Get, $"/api/v1/alerts/{UnknownAlertId}/", Caller.Reader, null),
                     (HttpMethod.Get, "/cas/api/v1/alerts/..%2f..%2fetc/", Caller.Reader, null),
                     (HttpMethod.Post, $"/api/v1/alerts/{UnknownAlertId}/read/", Caller.Operator, null),
                     (HttpMethod.Post, $"/api/v1/alerts/{UnknownAlertId}/unread/", Caller.Operator, null),
                     (HttpMethod.Post, $"/api/v1/alerts/{UnknownAlertId}/dismiss/", Caller.Operator, """{"comment": "x"}"""),
                     (HttpMethod.Get, $"/api/v1/activities/{Guid.NewGuid()}/", Caller.Reader, null),
                     (HttpMethod.Get, $"/api/v1/policies/{policy}/", Caller.Reader, null),
                     (HttpMethod.Post, $"/api/v1/policies/{policy}/", Caller.Reader, """{"projectedMSFlowFields": "true"}"""),
                     (HttpMethod.Put, $"/api/v1/policies/{policy}/", Caller.Admin, """{"name": "x"}"""),
                     (HttpMethod.Delete, $"/api/v1/policies/{policy}/", Caller.Admin, null),
                     (HttpMethod.Post, $"/api/v1/policies/{policy}/enable/", Caller.Admin, null),
                     (HttpMethod.Post, $"/api/v1/policies/{policy}/disable/", Caller.Admin, null),
                 })
        {
            var problem = await ProblemAsync(await portal.SendAsync(method, path, body, caller), HttpStatusCode.NotFound);
            Assert.Contains("no ", problem.GetProperty("detail").GetString());
        }
    }

    [Theory]
    [InlineData("/api/v1/activities/ingest/", true)]
    [InlineData("/api/v1/activities/ingest/", false)]
    [InlineData("/api/v1/alerts/", true)]
    [InlineData("/api/v1/policies/", false)]
    public async Task ABodyOfTenMegabytes_Answers413_WithTheDefaultLimit(string path, bool withContentLength)
    {
        var portal = await StartAsync();
        var item = portal.Activity("alice@contoso.com", "LogOn").ToJsonString();
        var body = new StringBuilder("[");
        while (body.Length < 10 * 1024 * 1024)
            body.Append(item).Append(',');
        body.Append(item).Append(']');
        var bytes = Encoding.UTF8.GetBytes(body.ToString());
        HttpContent content = withContentLength ? new ByteArrayContent(bytes) : new StreamContent(new UnsizedStream(bytes));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.TryAddWithoutValidation("Authorization", portal.Authorization(Caller.Admin));
        var response = await portal.Client.SendAsync(request);

        var problem = await ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("KiB", problem.GetProperty("detail").GetString());
        Assert.Equal(0, (await portal.ListActivitiesAsync()).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task ClosingAlerts_WithUnknownFieldsACommentTooLongOrAReasonOfTheWrongType_Answers400NamingEach()
    {
        var (portal, alertId, _) = await PortalWithAnAlertAsync();
        var filters = $$$"""{"id": {"eq": ["{{{alertId}}}"]} }""";

        var unknown = await ProblemAsync(await portal.PostAsync("/api/v1/alerts/close_benign/", $$$"""{"filters": {{{filters}}}, "reason": 2}""", Caller.Operator), HttpStatusCode.BadRequest);
        var longComment = await ProblemAsync(await portal.PostAsync("/api/v1/alerts/close_benign/",
            $$$"""{"filters": {{{filters}}}, "comment": "{{{new string('x', 2001)}}}"}""", Caller.Operator), HttpStatusCode.BadRequest);
        var commentNumber = await ProblemAsync(await portal.PostAsync("/api/v1/alerts/resolve/", $$$"""{"filters": {{{filters}}}, "comment": 5}""", Caller.Operator), HttpStatusCode.BadRequest);
        var reasonText = await ProblemAsync(await portal.PostAsync("/api/v1/alerts/close_false_positive/", $$$"""{"filters": {{{filters}}}, "reasonId": "other"}""", Caller.Operator), HttpStatusCode.BadRequest);
        var notObject = await ProblemAsync(await portal.PostAsync("/api/v1/alerts/close_true_positive/", $$$"""[{{{filters}}}]""", Caller.Operator), HttpStatusCode.BadRequest);
        var badFilter = await ProblemAsync(await portal.PostAsync("/api/v1/alerts/close_true_positive/", """{"filters": {"severity": {"eq": "high"}}}""", Caller.Operator), HttpStatusCode.BadRequest);

        Assert.Contains("reason", Errors(unknown).Keys);
        Assert.Contains("comment", Errors(longComment).Keys);
        Assert.Contains("comment", Errors(commentNumber).Keys);
        Assert.Contains("reasonId", Errors(reasonText).Keys);
        Assert.Contains("body", Errors(notObject).Keys);
        Assert.Contains("filters.severity.eq", Errors(badFilter).Keys);
        Assert.Equal(0, (await portal.GetAlertAsync(alertId)).GetProperty("resolutionStatusValue").GetInt32());
    }

    [Fact]
    public async Task DismissingOneAlert_WithABodyThatIsNotAnObject_Answers400_AndLeavesItOpen()
    {
        var (portal, alertId, _) = await PortalWithAnAlertAsync();

        foreach (var body in new[] { "[]", "\"dismiss it\"", "42" })
            await ProblemAsync(await portal.PostAsync($"/api/v1/alerts/{alertId}/dismiss/", body, Caller.Operator), HttpStatusCode.BadRequest);

        Assert.Equal(0, (await portal.GetAlertAsync(alertId)).GetProperty("resolutionStatusValue").GetInt32());
    }

    [Fact]
    public async Task UpdatingPolicy_WithAMalformedVersionOrIfMatch_Answers400NamingIt()
    {
        var portal = await StartAsync();
        var id = await portal.CreatePolicyAsync("Log-ons", "LogOn");

        var version = await ProblemAsync(await portal.SendAsync(HttpMethod.Put, $"/api/v1/policies/{id}/", """{"name": "x", "version": 5}"""), HttpStatusCode.BadRequest);
        var request = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/policies/{id}/") { Content = new StringContent("""{"name": "x"}""", Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Authorization", portal.Authorization(Caller.Admin));
        request.Headers.TryAddWithoutValidation("If-Match", "\"not-a-version\"");
        var ifMatch = await ProblemAsync(await portal.Client.SendAsync(request), HttpStatusCode.BadRequest);
        var notObject = await ProblemAsync(await portal.SendAsync(HttpMethod.Put, $"/api/v1/policies/{id}/", """["name"]"""), HttpStatusCode.BadRequest);

        Assert.Contains("version", Errors(version).Keys);
        Assert.Contains("If-Match", Errors(ifMatch).Keys);
        Assert.Contains("body", Errors(notObject).Keys);
        Assert.Equal("Log-ons", (await JsonAsync(await portal.GetAsync($"/api/v1/policies/{id}/"))).GetProperty("name").GetString());
    }

    [Fact]
    public async Task OddButWellFormedBodies_OnEveryCallThatReadsABody_NeverAnswer500()
    {
        var (portal, alertId, policyId) = await PortalWithAnAlertAsync();
        string[] bodies =
        [
            "null", "true", "0", "\"\"", "[]", "[null]", "{}", """{"":""}""", """{"filters": null, "limit": null, "skip": null}""",
            """{"filters": {"date": {"gte": "0001-01-01T00:00:00Z"}}}""", """{"filters": {"date": {"lte": "9999-12-31T23:59:59Z"}}}""",
            """{"filters": {"date": {"lte_ndays": 36500}, "resolutionDate": {"isset": true}}}""", """{"filters": {"text": {"text": "%_'\""}}}""",
            """{"filters": {"id": {"eq": ["'; DROP TABLE Alerts; --"]}}}""", """{"filters": {"entity.entity": {"neq": [12345]}}}""",
            """{"filters": {"alertType": {"eq": [99]}}}""", """{"filters": {"source": {"eq": "policy"}}}""",
            """{"limit": 9223372036854775807, "skip": 9223372036854775807}""", """{"skip": 2147483647}""",
            """{"name": null, "conditions": [null], "threshold": {"count": null}, "alertSettings": null}""",
            """{"conditions": [{"field": null, "operator": null, "values": null}]}""", """{"threshold": "5"}""", """{"alertSettings": {"colour": 1}}""",
            """[{"timestamp": "2026-11-27T09:00:00", "app": 1, "activityType": [], "user": {}, "ipAddress": "::ffff:10.0.0.1", "country": "N1"}]""",
            """[{"timestamp": 1e30, "app": "a", "activityType": "b", "user": "c"}]""",
        ];

        foreach (var (method, path, caller) in BodyCalls(alertId, policyId))
        {
            foreach (var body in bodies)
            {
                var response = await portal.SendAsync(method, path, body, caller);
                var status = (int)response.StatusCode;
                Assert.True(status < 500, $"{method} {path} with {body}: {status} {await response.Content.ReadAsStringAsync()}");
                if (status >= 400)
                    await ProblemAsync(response, response.StatusCode);
            }
        }
    }

    /// <summary>A request body whose length is unknown up front (sent chunked).</summary>
    private sealed class UnsizedStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}

/// <summary>
/// Bad list and filter requests, which change nothing: one portal (SQLite) answers them all. Each gets 400
/// problem details whose <c>errors</c> name the field, operator or value that is wrong.
/// </summary>
public sealed class ApiFilterBadInputTests(ApiFilterBadInputTests.SharedPortal shared) : IClassFixture<ApiFilterBadInputTests.SharedPortal>
{
    [Theory]
    [InlineData("/api/v1/alerts/", "colour")]
    [InlineData("/api/v1/alerts/", "entity.colour")]
    [InlineData("/api/v1/activities/", "colour")]
    [InlineData("/api/v1/alerts/close_benign/", "colour")]
    public async Task UnknownFilterField_Answers400NamingTheField(string path, string field)
    {
        var portal = shared.Portal;

        var problem = await ProblemAsync(await portal.PostAsync(path, $$$"""{"filters": {"{{{field}}}": {"eq": ["red"]} } }""", Caller.Operator), HttpStatusCode.BadRequest);

        var errors = Errors(problem);
        Assert.Contains($"filters.{field}", errors.Keys);
        Assert.Contains($"'{field}'", errors[$"filters.{field}"][0]);
    }

    [Fact]
    public async Task UnknownOperator_Answers400NamingTheOperatorAndField()
    {
        var portal = shared.Portal;

        var alerts = await ProblemAsync(await portal.PostAsync("/api/v1/alerts/", """{"filters": {"severity": {"like": [2]}}}""", Caller.Reader), HttpStatusCode.BadRequest);
        var activities = await ProblemAsync(await portal.PostAsync("/api/v1/activities/", """{"filters": {"user.username": {"matches": ["a.*"]}}}""", Caller.Reader), HttpStatusCode.BadRequest);

        var alertMessage = Errors(alerts)["filters.severity.like"][0];
        Assert.Contains("'like'", alertMessage);
        Assert.Contains("severity", alertMessage);
        Assert.Contains("'matches'", Errors(activities)["filters.user.username.matches"][0]);
    }

    [Theory]
    [InlineData("/api/v1/alerts/", "severity", "gte", "1")]
    [InlineData("/api/v1/alerts/", "alertOpen", "neq", "true")]
    [InlineData("/api/v1/alerts/", "entity.user", "contains", "[\"alice\"]")]
    [InlineData("/api/v1/alerts/", "date", "eq", "1795770000000")]
    [InlineData("/api/v1/alerts/", "id", "startswith", "[\"01\"]")]
    [InlineData("/api/v1/activities/", "country", "contains", "[\"N\"]")]
    [InlineData("/api/v1/activities/", "date", "startswith", "[\"2026\"]")]
    public async Task OperatorNotValidForTheField_Answers400NamingFieldAndOperator(string path, string field, string op, string value)
    {
        var portal = shared.Portal;

        var problem = await ProblemAsync(await portal.PostAsync(path, $$$"""{"filters": {"{{{field}}}": {"{{{op}}}": {{{value}}} } } }""", Caller.Reader), HttpStatusCode.BadRequest);

        var message = Errors(problem)[$"filters.{field}.{op}"][0];
        Assert.Contains($"'{field}'", message);
        Assert.Contains($"'{op}'", message);
    }

    [Theory]
    [InlineData("""{"filters": {"severity": {"eq": "high"}}}""", "filters.severity.eq")]
    [InlineData("""{"filters": {"severity": {"eq": ["2"]}}}""", "filters.severity.eq")]
    [InlineData("""{"filters": {"severity": {"eq": 7}}}""", "filters.severity.eq")]
    [InlineData("""{"filters": {"severity": {"eq": 1.5}}}""", "filters.severity.eq")]
    [InlineData("""{"filters": {"severity": {"eq": []}}}""", "filters.severity.eq")]
    [InlineData("""{"filters": {"resolutionStatus": {"eq": "open"}}}""", "filters.resolutionStatus.eq")]
    [InlineData("""{"filters": {"alertOpen": {"eq": "yes"}}}""", "filters.alertOpen.eq")]
    [InlineData("""{"filters": {"read": {"eq": 1}}}""", "filters.read.eq")]
    [InlineData("""{"filters": {"date": {"gte": "yesterday"}}}""", "filters.date.gte")]
    [InlineData("""{"filters": {"date": {"gte": -5}}}""", "filters.date.gte")]
    [InlineData("""{"filters": {"date": {"gte": 1e30}}}""", "filters.date.gte")]
    [InlineData("""{"filters": {"date": {"gte": [1, 2]}}}""", "filters.date.gte")]
    [InlineData("""{"filters": {"date": {"range": [{"start": 5}]}}}""", "filters.date.range")]
    [InlineData("""{"filters": {"date": {"range": [{"start": 10, "end": 5}]}}}""", "filters.date.range")]
    [InlineData("""{"filters": {"date": {"gte_ndays": "3"}}}""", "filters.date.gte_ndays")]
    [InlineData("""{"filters": {"date": {"gte_ndays": 99999}}}""", "filters.date.gte_ndays")]
    [InlineData("""{"filters": {"entity.user": {"eq": [{"saas": 11161}]}}}""", "filters.entity.user.eq")]
    [InlineData("""{"filters": {"entity.user": {"eq": [true]}}}""", "filters.entity.user.eq")]
    [InlineData("""{"filters": {"id": {"eq": [{"id": 1}, null]}}}""", "filters.id.eq")]
    [InlineData("""{"filters": {"severity": [2]}}""", "filters.severity")]
    [InlineData("""{"filters": {"severity": {}}}""", "filters.severity")]
    [InlineData("""{"filters": [{"severity": {"eq": 2}}]}""", "filters")]
    [InlineData("""{"filters": "severity=2"}""", "filters")]
    [InlineData("""{"skip": -1}""", "skip")]
    [InlineData("""{"skip": "one"}""", "skip")]
    [InlineData("""{"sortField": "title"}""", "sortField")]
    [InlineData("""{"sortField": 1}""", "sortField")]
    [InlineData("""{"sortDirection": "up"}""", "sortDirection")]
    [InlineData("""{"filter": {"severity": {"eq": 2}}}""", "filter")]
    [InlineData("""[{"severity": {"eq": 2}}]""", "body")]
    [InlineData("\"severity\"", "body")]
    public async Task ListingAlerts_WithAValueOfTheWrongTypeOrRange_Answers400NamingIt(string body, string key)
    {
        var portal = shared.Portal;

        var problem = await ProblemAsync(await portal.PostAsync("/api/v1/alerts/", body, Caller.Reader), HttpStatusCode.BadRequest);

        var errors = Errors(problem);
        Assert.True(errors.ContainsKey(key), $"Expected an error on '{key}'; got {string.Join(", ", errors.Keys)}: {problem}");
    }

    [Theory]
    [InlineData("/api/v1/alerts/")]
    [InlineData("/api/v1/activities/")]
    public async Task Limit_OutsideOneToAHundred_Answers400NamingLimit(string path)
    {
        var portal = shared.Portal;

        foreach (var body in new[] { """{"limit": 0}""", """{"limit": 10000}""", """{"limit": 101}""", """{"limit": -1}""", """{"limit": "ten"}""", """{"limit": 1e400}""" })
        {
            var problem = await ProblemAsync(await portal.PostAsync(path, body, Caller.Reader), HttpStatusCode.BadRequest);
            Assert.Contains("limit", Errors(problem).Keys);
        }
        foreach (var query in new[] { "?limit=0", "?limit=10000", "?limit=abc" })
        {
            var problem = await ProblemAsync(await portal.PostAsync(path + query, "{}", Caller.Reader), HttpStatusCode.BadRequest);
            Assert.Contains("limit", Errors(problem).Keys);
        }
        // 100 is the cap, and allowed.
        Assert.Equal(100, (await JsonAsync(await portal.PostAsync(path, """{"limit": 100}""", Caller.Reader))).GetProperty("max").GetInt32());
    }

    public sealed class SharedPortal : IAsyncLifetime
    {
        public ApiPortal Portal { get; private set; } = null!;

        public async Task InitializeAsync() => Portal = await ApiPortal.StartAsync(TestDb.Sqlite);

        public async Task DisposeAsync() => await Portal.DisposeAsync();
    }
}
