using System.Net;
using System.Text;
using System.Text.Json;
using AdminPortal.Core.Data;
using AdminPortal.Core.Features.Audit;
using AdminPortal.Core.Features.Playbooks;
using AdminPortal.Core.Features.Users;
using AdminPortal.IntegrationTests.Alerts;
using AdminPortal.IntegrationTests.ApiTokens;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static AdminPortal.IntegrationTests.Alerts.ApiPortal;

namespace AdminPortal.IntegrationTests.Playbooks;

public sealed class SqlitePlaybooksApiTests() : PlaybooksApiTests(TestDb.Sqlite);

public sealed class PostgreSqlPlaybooksApiTests() : PlaybooksApiTests(TestDb.PostgreSql);

/// <summary>
/// The Power Automate connector's trigger registration (<c>ms_flow</c>), webhook playbooks, who sees which, and
/// linking them to policies through the policy API — with every callback URL and secret kept out of answers.
/// </summary>
public abstract class PlaybooksApiTests(TestDb database) : ApiPortalTest(database)
{
    /// <summary>A Power Automate callback URL: its <c>sig</c> is the key that lets anyone start the flow.</summary>
    private const string FlowUrl =
        "https://prod-27.westeurope.logic.azure.com:443/workflows/8f3c2b1a9d7e4f60a1b2c3d4e5f60718/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=SECRETSIGabc123";
    private const string Sig = "SECRETSIGabc123";

    private static string Register(string url, string? name = null) =>
        JsonSerializer.Serialize(name is null ? new Dictionary<string, string> { ["callback_url"] = url } : new() { ["callback_url"] = url, ["name"] = name });

    [Fact]
    public async Task RegisterFlow_Answers201WithLocation_AgainReturnsTheSamePlaybook_AndDeleteOnTheLocationRemovesIt()
    {
        var portal = await StartAsync();

        var first = await portal.PostAsync("/cas/api/v1/ms_flow/", Register(FlowUrl), Caller.Operator);
        var created = await JsonAsync(first, HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString()!;
        var location = first.Headers.Location!;
        Assert.True(location.IsAbsoluteUri);
        Assert.Equal($"/cas/api/v1/ms_flow/{id}/", location.AbsolutePath);
        // Named after the workflow, renamable in the portal; the URL only masked.
        Assert.Equal("Power Automate flow 8f3c2b1a", created.GetProperty("name").GetString());
        Assert.Equal("PowerAutomateTrigger", created.GetProperty("kind").GetString());
        Assert.Equal(OperatorUpn, created.GetProperty("owner").GetString());
        Assert.DoesNotContain(Sig, created.GetRawText());
        Assert.DoesNotContain("api-version", created.GetRawText());

        // Power Automate registers again when the flow is saved: the same playbook, the same Location.
        var again = await portal.PostAsync("/cas/api/v1/ms_flow/", Register(FlowUrl), Caller.Operator);
        Assert.Equal(id, (await JsonAsync(again, HttpStatusCode.Created)).GetProperty("id").GetString());
        Assert.Equal(location, again.Headers.Location);
        var listed = await JsonAsync(await portal.GetAsync("/api/v1/playbooks/", Caller.Operator));
        Assert.Equal(1, listed.GetProperty("total").GetInt32());
        Assert.DoesNotContain(Sig, listed.GetRawText());

        Assert.Equal(HttpStatusCode.OK, (await portal.SendAsync(HttpMethod.Delete, location.PathAndQuery, null, Caller.Operator)).StatusCode);
        await ProblemAsync(await portal.SendAsync(HttpMethod.Delete, location.PathAndQuery, null, Caller.Operator), HttpStatusCode.NotFound);
        Assert.Equal(0, (await JsonAsync(await portal.GetAsync("/api/v1/playbooks/", Caller.Operator))).GetProperty("total").GetInt32());

        // Audited, without the key.
        await using var db = await portal.Factory.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var entries = await db.AuditEntries.Where(e => e.TargetId == id).ToListAsync();
        Assert.Equal([AuditActions.PlaybookRegistered, AuditActions.PlaybookUnregistered], entries.OrderBy(e => e.At).ThenBy(e => e.Id).Select(e => e.Action));
        Assert.All(entries, e => Assert.DoesNotContain(Sig, e.Details ?? ""));
    }

    [Fact]
    public async Task RegisterFlow_WithoutAName_OrWithOne_AndAsAReader()
    {
        var portal = await StartAsync();

        var named = await JsonAsync(await portal.PostAsync("/cas/api/v1/ms_flow/", Register(FlowUrl, "Close risky sign-ins"), Caller.Operator), HttpStatusCode.Created);
        Assert.Equal("Close risky sign-ins", named.GetProperty("name").GetString());

        Assert.Equal(HttpStatusCode.Forbidden, (await portal.PostAsync("/cas/api/v1/ms_flow/", Register(FlowUrl + "x"), Caller.Reader)).StatusCode);
        Assert.Equal(1, (await JsonAsync(await portal.GetAsync("/api/v1/playbooks/", Caller.Admin))).GetProperty("total").GetInt32());
    }

    public static TheoryData<string, string> BadCallbackUrls => new()
    {
        { "ftp://flows.example.com/hook", "absolute http:// or https://" },
        { "/workflows/relative", "absolute http:// or https://" },
        { "https://user:password@flows.example.com/hook", "user name or password" },
        { "http://flows.example.com/hook", "Dispatch:AllowHttp" },
        { "https://127.0.0.1:8443/hook", "Dispatch:AllowedNetworks" },
        { "https://[::ffff:10.0.0.5]/hook", "Dispatch:AllowedNetworks" },
        { "https://169.254.169.254/latest/meta-data", "Dispatch:AllowedNetworks" },
        { "https://flows.example.com/" + new string('a', 16_400), "16,384" },
    };

    [Theory]
    [MemberData(nameof(BadCallbackUrls))]
    public async Task RegisterFlow_WithABadCallbackUrl_Answers400NamingTheFieldAndTheRule_AndStoresNothing(string url, string said)
    {
        var portal = await StartAsync();

        var problem = await ProblemAsync(await portal.PostAsync("/cas/api/v1/ms_flow/", Register(url), Caller.Operator), HttpStatusCode.BadRequest);

        var message = Assert.Single(Errors(problem)["callback_url"]);
        Assert.Contains(said, message);
        Assert.Equal(0, (await JsonAsync(await portal.GetAsync("/api/v1/playbooks/", Caller.Admin))).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task RegisterFlow_ToALoopbackReceiver_IsAllowedWhenTheSettingsSaySo()
    {
        var portal = await StartAsync(settings =>
        {
            settings["Dispatch:AllowHttp"] = "true";
            settings["Dispatch:AllowedNetworks:0"] = "127.0.0.1/32";
        });

        var response = await portal.PostAsync("/cas/api/v1/ms_flow/", Register("http://127.0.0.1:7777/flow?sig=x"), Caller.Operator);

        Assert.Equal("http://127.0.0.1:7777/flow?…", (await JsonAsync(response, HttpStatusCode.Created)).GetProperty("url").GetString());
    }

    [Fact]
    public async Task RegisterFlow_WithMalformedBodies_Answers400_NeverA500()
    {
        var portal = await StartAsync();

        await ProblemAsync(await portal.PostAsync("/cas/api/v1/ms_flow/", """{"callback_url": 42}""", Caller.Operator), HttpStatusCode.BadRequest);
        await ProblemAsync(await portal.PostAsync("/cas/api/v1/ms_flow/", """["https://x"]""", Caller.Operator), HttpStatusCode.BadRequest);
        await ProblemAsync(await portal.PostAsync("/cas/api/v1/ms_flow/", """{"callback_url": """, Caller.Operator), HttpStatusCode.BadRequest);
        Assert.Contains("name", Errors(await ProblemAsync(
            await portal.PostAsync("/cas/api/v1/ms_flow/", Register(FlowUrl, new string('n', 201)), Caller.Operator), HttpStatusCode.BadRequest)).Keys);
        await ProblemAsync(await portal.SendAsync(HttpMethod.Delete, "/cas/api/v1/ms_flow/not-a-guid/", null, Caller.Operator), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task WebhookPlaybook_ShowsItsSecretOnce_IsStoredEncrypted_AndIsSeenByItsOwnerAndAdminsOnly()
    {
        var portal = await StartAsync();
        var other = await OtherOperatorAsync(portal);

        var created = await JsonAsync(await portal.PostAsync("/api/v1/playbooks/", """
            {"name": "n8n triage", "url": "https://n8n.contoso.com/webhook/alerts?key=HOOKKEY", "headerName": "X-Api-Key", "headerValue": "HEADERSECRET"}
            """, Caller.Operator), HttpStatusCode.Created);
        var secret = created.GetProperty("signingSecret").GetString()!;
        Assert.StartsWith("whsec_", secret);
        Assert.Equal(32, Convert.FromBase64String(secret["whsec_".Length..]).Length);
        var id = created.GetProperty("playbook").GetProperty("id").GetString()!;

        var mine = await JsonAsync(await portal.GetAsync("/api/v1/playbooks/", Caller.Operator));
        Assert.Equal(id, Assert.Single(mine.GetProperty("data").EnumerateArray()).GetProperty("id").GetString());
        foreach (var hidden in new[] { secret, "HOOKKEY", "HEADERSECRET" })
            Assert.DoesNotContain(hidden, mine.GetRawText());
        Assert.Equal(1, (await JsonAsync(await portal.GetAsync("/api/v1/playbooks/", Caller.Admin))).GetProperty("total").GetInt32());
        Assert.Equal(0, (await JsonAsync(await other.GetAsync("/api/v1/playbooks/"))).GetProperty("total").GetInt32());
        // Someone else's playbook does not exist for them.
        await ProblemAsync(await other.DeleteAsync($"/api/v1/playbooks/{id}/"), HttpStatusCode.NotFound);

        await using (var db = await portal.Factory.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            var row = await db.Playbooks.AsNoTracking().SingleAsync();
            var stored = string.Join("|", row.CallbackUrlEncrypted, row.SigningSecretEncrypted, row.HeaderValueEncrypted, row.CallbackUrlMasked);
            foreach (var hidden in new[] { secret, "HOOKKEY", "HEADERSECRET", "n8n.contoso.com/webhook/alerts?" })
                Assert.DoesNotContain(hidden, stored);
            var audit = string.Join("|", await db.AuditEntries.Select(e => e.Details ?? "").ToListAsync());
            foreach (var hidden in new[] { secret, "HOOKKEY", "HEADERSECRET" })
                Assert.DoesNotContain(hidden, audit);
        }

        Assert.Equal(HttpStatusCode.OK, (await portal.SendAsync(HttpMethod.Delete, $"/api/v1/playbooks/{id}/", null, Caller.Admin)).StatusCode);
        Assert.Equal(0, (await JsonAsync(await portal.GetAsync("/api/v1/playbooks/", Caller.Operator))).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task WebhookPlaybook_WithBadFields_Answers400NamingEach_AndStoresNothing()
    {
        var portal = await StartAsync();

        var problem = await ProblemAsync(await portal.PostAsync("/api/v1/playbooks/", """
            {"name": " ", "url": "https://user:pw@hooks.example.com/x", "headerName": "webhook-signature", "headerValue": "v"}
            """, Caller.Operator), HttpStatusCode.BadRequest);

        Assert.Equal(["headerName", "name", "url"], Errors(problem).Keys.Order());
        Assert.Contains("unknown", Errors(await ProblemAsync(
            await portal.PostAsync("/api/v1/playbooks/", """{"name": "x", "url": "https://h.example.com", "unknown": "1"}""", Caller.Operator),
            HttpStatusCode.BadRequest)).Keys);
        Assert.Equal(0, (await JsonAsync(await portal.GetAsync("/api/v1/playbooks/", Caller.Admin))).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task PolicyApi_LinksOnlyPlaybooksTheCallerMayUse_AndDeletingThePlaybookUnlinksIt()
    {
        var portal = await StartAsync();
        var policy = await portal.CreatePolicyAsync("Mass download", "FileDownload");
        var operatorsFlow = (await JsonAsync(await portal.PostAsync("/cas/api/v1/ms_flow/", Register(FlowUrl), Caller.Operator), HttpStatusCode.Created))
            .GetProperty("id").GetString()!;
        var adminsFlow = (await JsonAsync(await portal.PostAsync("/cas/api/v1/ms_flow/", Register(FlowUrl + "&admin=1"), Caller.Admin), HttpStatusCode.Created))
            .GetProperty("id").GetString()!;
        var other = await OtherOperatorAsync(portal);

        // The admin may use every playbook.
        var linked = await JsonAsync(await portal.SendAsync(HttpMethod.Put, $"/api/v1/policies/{policy}/",
            $$$"""{"alertSettings": {"playbookIds": ["{{{operatorsFlow}}}", "{{{adminsFlow}}}"]}}""", Caller.Admin));
        Assert.Equal(new[] { adminsFlow, operatorsFlow }.Order(), linked.GetProperty("alertSettings").GetProperty("playbookIds").EnumerateArray().Select(e => e.GetString()!).Order());
        var list = await JsonAsync(await portal.GetAsync("/api/v1/playbooks/", Caller.Admin));
        Assert.All(list.GetProperty("data").EnumerateArray(), p => Assert.Equal(1, p.GetProperty("linkedPolicies").GetInt32()));

        // An unknown playbook id is refused with 403, nothing changes.
        var unknown = Guid.NewGuid();
        var refused = await ProblemAsync(await portal.SendAsync(HttpMethod.Put, $"/api/v1/policies/{policy}/",
            $$$"""{"alertSettings": {"playbookIds": ["{{{unknown}}}"]}}""", Caller.Admin), HttpStatusCode.Forbidden);
        Assert.Contains(unknown.ToString(), ProblemText(refused));
        Assert.Contains("playbookIds", ProblemText(refused));
        Assert.Equal(2, (await JsonAsync(await portal.GetAsync($"/api/v1/policies/{policy}/"))).GetProperty("alertSettings").GetProperty("playbookIds").GetArrayLength());
        Assert.Equal(0, (await JsonAsync(await other.GetAsync("/api/v1/playbooks/"))).GetProperty("total").GetInt32());

        // Deleting a playbook unlinks it; the policy keeps its other playbook.
        Assert.Equal(HttpStatusCode.OK, (await portal.SendAsync(HttpMethod.Delete, $"/cas/api/v1/ms_flow/{operatorsFlow}/", null, Caller.Operator)).StatusCode);
        var after = await JsonAsync(await portal.GetAsync($"/api/v1/policies/{policy}/"));
        Assert.Equal([adminsFlow], after.GetProperty("alertSettings").GetProperty("playbookIds").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task AnAlertOfALinkedPolicy_IsQueuedOncePerEnabledPlaybook_InTheSameTransaction()
    {
        var portal = await StartAsync();
        var flow = (await JsonAsync(await portal.PostAsync("/cas/api/v1/ms_flow/", Register(FlowUrl), Caller.Admin), HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var hook = (await JsonAsync(await portal.PostAsync("/api/v1/playbooks/", """{"name": "n8n", "url": "https://n8n.contoso.com/webhook/a"}""", Caller.Admin),
            HttpStatusCode.Created)).GetProperty("playbook").GetProperty("id").GetString()!;
        var policy = await portal.CreatePolicyAsync("Failed log-ons", "LogOnFailed");
        await JsonAsync(await portal.SendAsync(HttpMethod.Put, $"/api/v1/policies/{policy}/",
            $$$"""{"alertSettings": {"playbookIds": ["{{{flow}}}", "{{{hook}}}"]}}""", Caller.Admin));

        var result = await portal.IngestAsync(portal.Activity("ada@contoso.com", "LogOnFailed"), portal.Activity("bob@contoso.com", "LogOn"));

        Assert.Equal(1, result.GetProperty("alertsCreated").GetInt32());
        var alertId = Assert.Single(await portal.AlertIdsOfPolicyAsync(policy));
        await using var db = await portal.Factory.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var deliveries = await db.Deliveries.AsNoTracking().ToListAsync();
        Assert.Equal(new[] { flow, hook }.Order(), deliveries.Select(d => d.PlaybookId.ToString()).Order());
        Assert.All(deliveries, d => Assert.Equal(alertId, d.AlertId));
        using var payload = JsonDocument.Parse(deliveries[0].Payload);
        Assert.Equal(alertId, payload.RootElement.GetProperty("ProviderAlertId").GetString());
        Assert.Equal("ada@contoso.com", payload.RootElement.GetProperty("CompromisedEntity").GetString());
        Assert.EndsWith($"/alerts/{alertId}", payload.RootElement.GetProperty("AlertUrl").GetString());
    }

    [Fact]
    public async Task APlaybookSharedToUse_IsListedForThatUser_WhoMayNotDeleteIt_AndUnsharedItIsGone()
    {
        var portal = await StartAsync();
        var other = await OtherOperatorAsync(portal);
        var id = Guid.Parse((await JsonAsync(await portal.PostAsync("/api/v1/playbooks/", """{"name": "Shared n8n", "url": "https://n8n.contoso.com/webhook/s"}""",
            Caller.Operator), HttpStatusCode.Created)).GetProperty("playbook").GetProperty("id").GetString()!);
        var services = portal.Factory.Services;
        var users = services.GetRequiredService<UserService>();
        var owner = (await users.FindAsync(OperatorUpn))!;
        var grantee = (await users.FindAsync("other.operator@contoso.com"))!;
        var playbooks = services.GetRequiredService<PlaybookService>();
        var ownerViewer = new PlaybookViewer(owner.Id, owner.Upn, owner.Role);

        await playbooks.ShareAsync(ownerViewer, id, [new PlaybookGrant(grantee.Id, null, PlaybookPermission.Use)]);

        var listed = await JsonAsync(await other.GetAsync("/api/v1/playbooks/"));
        Assert.Equal(id.ToString(), Assert.Single(listed.GetProperty("data").EnumerateArray()).GetProperty("id").GetString());
        // Use is not manage: the grantee sees it but may not delete it.
        await ProblemAsync(await other.DeleteAsync($"/api/v1/playbooks/{id}/"), HttpStatusCode.Forbidden);
        Assert.Equal(1, (await JsonAsync(await portal.GetAsync("/api/v1/playbooks/", Caller.Operator))).GetProperty("total").GetInt32());

        await playbooks.ShareAsync(ownerViewer, id, []);
        Assert.Equal(0, (await JsonAsync(await other.GetAsync("/api/v1/playbooks/"))).GetProperty("total").GetInt32());
    }

    /// <summary>A second operator with a token of their own.</summary>
    private static async Task<HttpClient> OtherOperatorAsync(ApiPortal portal)
    {
        var user = await portal.Factory.AddUserAsync("other.operator@contoso.com", PortalRole.SecurityOperator);
        var token = await portal.Factory.CreateTokenAsync(user, "other operator");
        var client = portal.Factory.CreateClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Token " + token.Value);
        return client;
    }
}
