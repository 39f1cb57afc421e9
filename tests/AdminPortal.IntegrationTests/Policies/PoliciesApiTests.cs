using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AdminPortal.Core.Features.Audit;
using AdminPortal.IntegrationTests.Alerts;
using Microsoft.EntityFrameworkCore;
using static AdminPortal.IntegrationTests.Alerts.ApiPortal;

namespace AdminPortal.IntegrationTests.Policies;

public sealed class SqlitePoliciesApiTests() : PoliciesApiTests(TestDb.Sqlite);

public sealed class PostgreSqlPoliciesApiTests() : PoliciesApiTests(TestDb.PostgreSql);

/// <summary>The policies API on each database: create (also from a template), get, list, update, enable/disable, delete.</summary>
public abstract class PoliciesApiTests(TestDb database) : ApiPortalTest(database)
{
    private const string UnknownId = "fedcba9876543210fedcba98";

    private const string FullPolicy = """
        {
          "name": "Mass download from the office network",
          "description": "Many downloads by one user from 10.0.0.0/8.",
          "policyType": "ACTIVITY",
          "category": "ThreatDetection",
          "severity": 2,
          "conditions": [
            { "field": "activityType", "operator": "inList", "values": ["FileDownload", "FileSyncDownload"] },
            { "field": "ipAddress", "operator": "ipInRange", "values": ["10.0.0.0/8"] }
          ],
          "threshold": { "count": 5, "windowMinutes": 10 },
          "alertSettings": { "createAlert": true, "alertDailyLimit": 20, "sendEmail": true, "emailRecipients": ["soc@contoso.com"] }
        }
        """;

    [Fact]
    public async Task CreatingPolicy_WithConditionsThresholdAndAlertSettings_Answers201WithLocation_AndStoresThemAll()
    {
        var portal = await StartAsync();

        var response = await portal.PostAsync("/api/v1/policies/", FullPolicy);

        var created = await JsonAsync(response, HttpStatusCode.Created);
        var id = created.GetProperty("_id").GetString()!;
        Assert.Matches("^[0-9a-f]{24}$", id);
        Assert.Equal($"/api/v1/policies/{id}/", response.Headers.Location?.OriginalString);
        var fetched = await JsonAsync(await portal.GetAsync(response.Headers.Location!.OriginalString));
        foreach (var policy in new[] { created, fetched })
        {
            Assert.Equal("Mass download from the office network", policy.GetProperty("name").GetString());
            Assert.Equal("Many downloads by one user from 10.0.0.0/8.", policy.GetProperty("description").GetString());
            Assert.Equal("ACTIVITY", policy.GetProperty("policyType").GetString());
            Assert.Equal(2, policy.GetProperty("severity").GetInt32());
            Assert.True(policy.GetProperty("enabled").GetBoolean());
            Assert.Equal(20, policy.GetProperty("alertDailyLimit").GetInt32());
            Assert.Equal(Start.ToUnixTimeMilliseconds(), policy.GetProperty("lastModified").GetInt64());
            Assert.Equal(
                [("activityType", "inList", "FileDownload,FileSyncDownload"), ("ipAddress", "ipInRange", "10.0.0.0/8")],
                policy.GetProperty("conditions").EnumerateArray().Select(c => (c.GetProperty("field").GetString(), c.GetProperty("operator").GetString(),
                    string.Join(",", c.GetProperty("values").EnumerateArray().Select(v => v.GetString())))));
            Assert.Equal((5, 10), (policy.GetProperty("threshold").GetProperty("count").GetInt32(), policy.GetProperty("threshold").GetProperty("windowMinutes").GetInt32()));
            var settings = policy.GetProperty("alertSettings");
            Assert.True(settings.GetProperty("createAlert").GetBoolean());
            Assert.Equal(20, settings.GetProperty("alertDailyLimit").GetInt32());
            Assert.True(settings.GetProperty("sendEmail").GetBoolean());
            Assert.Equal(["soc@contoso.com"], settings.GetProperty("emailRecipients").EnumerateArray().Select(r => r.GetString()));
        }
        var list = await JsonAsync(await portal.GetAsync("/api/v1/policies/"));
        Assert.Equal([id], Ids(list));
    }

    [Fact]
    public async Task CreatingPolicy_OnTheCasPrefix_AnswersALocationOnThatPrefix()
    {
        var portal = await StartAsync();

        var response = await portal.PostAsync("/cas/api/v1/policies/", FullPolicy);

        var id = (await JsonAsync(response, HttpStatusCode.Created)).GetProperty("_id").GetString();
        Assert.Equal($"/cas/api/v1/policies/{id}/", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task CreatingPolicy_FromATemplateId_TakesTheTemplate_AndTheBodyOverridesIt()
    {
        var portal = await StartAsync();

        var massDownload = await JsonAsync(await portal.PostAsync("/api/v1/policies/", """{"templateId": "mass-download"}"""), HttpStatusCode.Created);
        var riskyIp = await JsonAsync(await portal.PostAsync("/api/v1/policies/",
            """{"templateId": "risky-ip", "name": "Our risky ranges", "conditions": [{"field": "ipAddress", "operator": "ipInRange", "values": ["192.0.2.0/24"]}]}"""),
            HttpStatusCode.Created);
        var unknown = await ProblemAsync(await portal.PostAsync("/api/v1/policies/", """{"templateId": "no-such-template"}"""), HttpStatusCode.BadRequest);

        Assert.Equal("Mass download by a single user", massDownload.GetProperty("name").GetString());
        Assert.Equal("mass-download", massDownload.GetProperty("templateId").GetString());
        Assert.Equal((30, 5), (massDownload.GetProperty("threshold").GetProperty("count").GetInt32(), massDownload.GetProperty("threshold").GetProperty("windowMinutes").GetInt32()));
        var condition = Assert.Single(massDownload.GetProperty("conditions").EnumerateArray());
        Assert.Equal(("activityType", "equals", "FileDownload"),
            (condition.GetProperty("field").GetString(), condition.GetProperty("operator").GetString(), condition.GetProperty("values")[0].GetString()));

        Assert.Equal("Our risky ranges", riskyIp.GetProperty("name").GetString());
        Assert.Equal("risky-ip", riskyIp.GetProperty("templateId").GetString());
        Assert.Equal(2, riskyIp.GetProperty("severity").GetInt32());
        Assert.Equal(["192.0.2.0/24"], riskyIp.GetProperty("conditions")[0].GetProperty("values").EnumerateArray().Select(v => v.GetString()));

        Assert.Contains("templateId", Errors(unknown).Keys);
        Assert.Equal(2, (await JsonAsync(await portal.GetAsync("/api/v1/policies/"))).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task GettingPolicy_ByGetOrByTheConnectorsPost_AnswersNameDescriptionTypeDailyLimitAndLastModified()
    {
        var portal = await StartAsync();
        var id = await portal.CreatePolicyAsync(FullPolicy);

        var byGet = await JsonAsync(await portal.GetAsync($"/api/v1/policies/{id}/"));
        // MCAS_GET_POLICY
        var byPost = await JsonAsync(await portal.PostAsync($"/cas/api/v1/policies/{id}/", """{"projectedMSFlowFields": "true"}""", Caller.Reader));

        foreach (var policy in new[] { byGet, byPost })
        {
            Assert.Equal(id, policy.GetProperty("_id").GetString());
            Assert.Equal("Mass download from the office network", policy.GetProperty("name").GetString());
            Assert.Equal("Many downloads by one user from 10.0.0.0/8.", policy.GetProperty("description").GetString());
            Assert.Equal("ACTIVITY", policy.GetProperty("policyType").GetString());
            Assert.Equal(JsonValueKind.Number, policy.GetProperty("alertDailyLimit").ValueKind);
            Assert.Equal(20, policy.GetProperty("alertDailyLimit").GetInt32());
            Assert.Equal(JsonValueKind.Number, policy.GetProperty("lastModified").ValueKind);
            Assert.Equal(Start.ToUnixTimeMilliseconds(), policy.GetProperty("lastModified").GetInt64());
        }
    }

    [Fact]
    public async Task GettingPolicy_WithAnUnknownId_Answers404ProblemDetails()
    {
        var portal = await StartAsync();

        await ProblemAsync(await portal.GetAsync($"/api/v1/policies/{UnknownId}/"), HttpStatusCode.NotFound);
        await ProblemAsync(await portal.PostAsync($"/cas/api/v1/policies/{UnknownId}/", """{"projectedMSFlowFields": "true"}""", Caller.Reader), HttpStatusCode.NotFound);
        await ProblemAsync(await portal.SendAsync(HttpMethod.Put, $"/api/v1/policies/{UnknownId}/", """{"name": "x"}"""), HttpStatusCode.NotFound);
        await ProblemAsync(await portal.SendAsync(HttpMethod.Delete, $"/api/v1/policies/{UnknownId}/", null), HttpStatusCode.NotFound);
        await ProblemAsync(await portal.PostAsync($"/api/v1/policies/{UnknownId}/enable/", null), HttpStatusCode.NotFound);
        await ProblemAsync(await portal.PostAsync($"/api/v1/policies/{UnknownId}/disable/", null), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ListingPolicies_AnswersTheEnvelope_ByName_WithSkipAndLimit()
    {
        var portal = await StartAsync();
        var b = await portal.CreatePolicyAsync("Beta", "LogOn");
        var a = await portal.CreatePolicyAsync("alpha", "LogOn");
        var c = await portal.CreatePolicyAsync("Gamma", "LogOn");

        var all = await JsonAsync(await portal.GetAsync("/api/v1/policies/"));
        var page = await JsonAsync(await portal.GetAsync("/cas/api/v1/policies/?skip=1&limit=1"));

        Assert.Equal(["data", "hasNext", "max", "total", "moreThanTotal"], all.EnumerateObject().Select(p => p.Name));
        Assert.Equal([a, b, c], Ids(all));
        Assert.Equal(3, all.GetProperty("total").GetInt32());
        Assert.False(all.GetProperty("hasNext").GetBoolean());
        Assert.Equal([b], Ids(page));
        Assert.True(page.GetProperty("hasNext").GetBoolean());
        Assert.Equal(1, page.GetProperty("max").GetInt32());
    }

    [Fact]
    public async Task UpdatingPolicy_WithSomeFields_ChangesOnlyThose_AndRenewsVersionAndLastModified()
    {
        var portal = await StartAsync();
        var id = await portal.CreatePolicyAsync(FullPolicy);
        var before = await JsonAsync(await portal.GetAsync($"/api/v1/policies/{id}/"));
        portal.Advance(TimeSpan.FromHours(1));

        var updated = await JsonAsync(await portal.SendAsync(HttpMethod.Put, $"/api/v1/policies/{id}/", """{"severity": 0, "alertSettings": {"alertDailyLimit": 7}}"""));
        var fetched = await JsonAsync(await portal.GetAsync($"/api/v1/policies/{id}/"));

        foreach (var policy in new[] { updated, fetched })
        {
            Assert.Equal(0, policy.GetProperty("severity").GetInt32());
            Assert.Equal(7, policy.GetProperty("alertDailyLimit").GetInt32());
            Assert.Equal(7, policy.GetProperty("alertSettings").GetProperty("alertDailyLimit").GetInt32());
            Assert.Equal(portal.Now.ToUnixTimeMilliseconds(), policy.GetProperty("lastModified").GetInt64());
            Assert.NotEqual(before.GetProperty("version").GetString(), policy.GetProperty("version").GetString());
            foreach (var unchanged in new[] { "name", "description", "policyType", "category", "enabled", "conditions", "threshold", "createdAt" })
                Assert.Equal(before.GetProperty(unchanged).GetRawText(), policy.GetProperty(unchanged).GetRawText());
            Assert.True(policy.GetProperty("alertSettings").GetProperty("sendEmail").GetBoolean());
            Assert.Equal(["soc@contoso.com"], policy.GetProperty("alertSettings").GetProperty("emailRecipients").EnumerateArray().Select(r => r.GetString()));
        }
    }

    [Fact]
    public async Task UpdatingPolicy_WithAStaleVersion_Answers409_AndChangesNothing()
    {
        var portal = await StartAsync();
        var id = await portal.CreatePolicyAsync(FullPolicy);
        var read = (await JsonAsync(await portal.GetAsync($"/api/v1/policies/{id}/"))).GetProperty("version").GetString();
        var first = await JsonAsync(await portal.SendAsync(HttpMethod.Put, $"/api/v1/policies/{id}/", $$$"""{"name": "First editor", "version": "{{{read}}}"}"""));

        var stale = await portal.SendAsync(HttpMethod.Put, $"/api/v1/policies/{id}/", $$$"""{"name": "Second editor", "severity": 3, "version": "{{{read}}}"}""");
        var staleIfMatch = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/policies/{id}/")
        {
            Content = new StringContent("""{"name": "Third editor"}""", Encoding.UTF8, "application/json"),
        };
        staleIfMatch.Headers.TryAddWithoutValidation("Authorization", portal.Authorization(Caller.Admin));
        staleIfMatch.Headers.IfMatch.Add(new EntityTagHeaderValue($"\"{read}\""));
        var staleByHeader = await portal.Client.SendAsync(staleIfMatch);

        await ProblemAsync(stale, HttpStatusCode.Conflict);
        await ProblemAsync(staleByHeader, HttpStatusCode.Conflict);
        var now = await JsonAsync(await portal.GetAsync($"/api/v1/policies/{id}/"));
        Assert.Equal("First editor", now.GetProperty("name").GetString());
        Assert.Equal(2, now.GetProperty("severity").GetInt32());
        Assert.Equal(first.GetProperty("version").GetString(), now.GetProperty("version").GetString());
        // The current version is accepted.
        await JsonAsync(await portal.SendAsync(HttpMethod.Put, $"/api/v1/policies/{id}/", $$$"""{"name": "Second editor", "version": "{{{now.GetProperty("version").GetString()}}}"}"""));
    }

    [Fact]
    public async Task DisablingAndEnablingPolicy_AsTheConnectorDoes_ChangesWhetherItRaisesAlerts()
    {
        var portal = await StartAsync();
        var id = await portal.CreatePolicyAsync("Log-ons", "LogOn");

        var disabled = await JsonAsync(await portal.PostAsync($"/cas/api/v1/policies/{id}/disable/", null));
        var whileDisabled = await portal.IngestAsync(portal.Activity("alice@contoso.com", "LogOn"));
        var enabled = await JsonAsync(await portal.PostAsync($"/cas/api/v1/policies/{id}/enable/", null));
        var whileEnabled = await portal.IngestAsync(portal.Activity("alice@contoso.com", "LogOn"));

        Assert.False(disabled.GetProperty("enabled").GetBoolean());
        Assert.Equal(0, whileDisabled.GetProperty("alertsCreated").GetInt32());
        Assert.True(enabled.GetProperty("enabled").GetBoolean());
        Assert.Equal(1, whileEnabled.GetProperty("alertsCreated").GetInt32());
        Assert.True((await JsonAsync(await portal.GetAsync($"/api/v1/policies/{id}/"))).GetProperty("enabled").GetBoolean());
    }

    [Fact]
    public async Task UpdatingPolicyConditions_TakesEffectOnTheNextIngest()
    {
        var portal = await StartAsync();
        var id = await portal.CreatePolicyAsync("Watched activity", "LogOn");
        var before = await portal.IngestAsync(portal.Activity("alice@contoso.com", "LogOn"));

        await JsonAsync(await portal.SendAsync(HttpMethod.Put, $"/api/v1/policies/{id}/",
            """{"conditions": [{"field": "activityType", "operator": "equals", "values": ["FileDownload"]}]}"""));
        var logOn = await portal.IngestAsync(portal.Activity("alice@contoso.com", "LogOn"));
        var download = await portal.IngestAsync(portal.Activity("alice@contoso.com", "FileDownload"));

        Assert.Equal(1, before.GetProperty("alertsCreated").GetInt32());
        Assert.Equal(0, logOn.GetProperty("alertsCreated").GetInt32());
        Assert.Equal(1, download.GetProperty("alertsCreated").GetInt32());
    }

    [Fact]
    public async Task DeletingPolicy_RemovesItFromTheList_ButItsAlertsStayFetchable()
    {
        var portal = await StartAsync();
        var keep = await portal.CreatePolicyAsync("Keep", "FileShare");
        var id = await portal.CreatePolicyAsync("Log-ons", "LogOn");
        await portal.IngestAsync(portal.Activity("alice@contoso.com", "LogOn"));
        var alertId = Assert.Single(await portal.AlertIdsOfPolicyAsync(id));

        var deleted = await portal.SendAsync(HttpMethod.Delete, $"/api/v1/policies/{id}/", null);

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal([keep], Ids(await JsonAsync(await portal.GetAsync("/api/v1/policies/"))));
        await ProblemAsync(await portal.GetAsync($"/api/v1/policies/{id}/"), HttpStatusCode.NotFound);
        await ProblemAsync(await portal.SendAsync(HttpMethod.Delete, $"/api/v1/policies/{id}/", null), HttpStatusCode.NotFound);
        var alert = await portal.GetAlertAsync(alertId);
        Assert.Equal("Log-ons", alert.GetProperty("title").GetString());
        Assert.Equal([alertId], await portal.AlertIdsOfPolicyAsync(id));
        Assert.Equal(0, (await portal.IngestAsync(portal.Activity("bob@contoso.com", "LogOn"))).GetProperty("alertsCreated").GetInt32());
    }

    [Fact]
    public async Task ChangingPolicies_WritesAuditEntries_NamingTheAdminAndThePolicy()
    {
        var portal = await StartAsync();
        var id = await portal.CreatePolicyAsync(FullPolicy);
        await JsonAsync(await portal.SendAsync(HttpMethod.Put, $"/api/v1/policies/{id}/", """{"severity": 1}"""));
        await JsonAsync(await portal.PostAsync($"/api/v1/policies/{id}/disable/", null));
        await JsonAsync(await portal.PostAsync($"/api/v1/policies/{id}/enable/", null));
        Assert.Equal(HttpStatusCode.NoContent, (await portal.SendAsync(HttpMethod.Delete, $"/api/v1/policies/{id}/", null)).StatusCode);

        await using var db = portal.Factory.CreateDbContext();
        var entries = await db.AuditEntries.Where(e => e.TargetType == "Policy").OrderBy(e => e.Id).ToListAsync();
        Assert.Equal(
            [AuditActions.PolicyCreated, AuditActions.PolicyUpdated, AuditActions.PolicyDisabled, AuditActions.PolicyEnabled, AuditActions.PolicyDeleted],
            entries.Select(e => e.Action));
        Assert.All(entries, e => Assert.Equal((AdminUpn, id), (e.Actor, e.TargetId)));
        Assert.Contains("severity", entries[1].Details);
    }

    [Fact]
    public async Task WritingPolicies_WithAnOperatorsOrReadersToken_Answers403_AndChangesNothing()
    {
        var portal = await StartAsync();
        var id = await portal.CreatePolicyAsync(FullPolicy);

        foreach (var caller in new[] { Caller.Operator, Caller.Reader })
        {
            foreach (var (method, path, body) in new (HttpMethod, string, string?)[]
                     {
                         (HttpMethod.Post, "/api/v1/policies/", FullPolicy),
                         (HttpMethod.Put, $"/api/v1/policies/{id}/", """{"name": "Changed"}"""),
                         (HttpMethod.Delete, $"/api/v1/policies/{id}/", null),
                         (HttpMethod.Post, $"/api/v1/policies/{id}/disable/", null),
                     })
            {
                var response = await portal.SendAsync(method, path, body, caller);
                Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{method} {path} as {caller}: {(int)response.StatusCode}");
            }
        }

        var policy = await JsonAsync(await portal.GetAsync($"/api/v1/policies/{id}/"));
        Assert.Equal("Mass download from the office network", policy.GetProperty("name").GetString());
        Assert.True(policy.GetProperty("enabled").GetBoolean());
        Assert.Equal(1, (await JsonAsync(await portal.GetAsync("/api/v1/policies/"))).GetProperty("total").GetInt32());
    }
}
