using System.Net;
using System.Text.Json;
using AdminPortal.Core.Data;
using AdminPortal.Core.Features.Audit;
using AdminPortal.Core.Features.Dispatch;
using AdminPortal.Core.Features.Playbooks;
using AdminPortal.Core.Features.Users;
using AdminPortal.IntegrationTests.Alerts;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static AdminPortal.IntegrationTests.Alerts.ApiPortal;

namespace AdminPortal.IntegrationTests.Dispatch;

public sealed class SqliteDeliveriesApiTests() : DeliveriesApiTests(TestDb.Sqlite);

public sealed class PostgreSqlDeliveriesApiTests() : DeliveriesApiTests(TestDb.PostgreSql);

/// <summary>
/// The delivery log API against the real dispatcher and a receiver on 127.0.0.1: a dead letter replayed through the
/// API reaches the receiver again with the same webhook-id; the list shows every attempt; range replays; bad input
/// and other users' playbooks are answered with problem details, never a 500.
/// </summary>
public abstract class DeliveriesApiTests(TestDb database) : DispatchTest(database)
{
    [Fact]
    public async Task ADeadLetter_ReplayedThroughTheApi_IsSentAgainWithTheSameWebhookId_AndTheLogShowsBothAttempts()
    {
        var receiver = Own(await LoopbackReceiver.StartAsync());
        receiver.Respond = (_, n) => n == 1 ? Results.BadRequest(new { error = "missing field" }) : Results.Ok();
        var portal = await StartLoopbackPortalAsync();
        var (playbookId, _) = await AddPlaybookAsync(portal, receiver.BaseUrl + "/hook");
        var policy = await LinkedPolicyAsync(portal, playbookId);
        await portal.IngestAsync(portal.Activity("ada@contoso.com", "LogOnFailed"));
        var alertId = (await portal.AlertIdsOfPolicyAsync(policy)).Single();
        var first = await receiver.NextAsync();
        var dead = Assert.Single(await DeliveriesWhenAsync(portal, d => d.Count == 1 && d[0].State == DeliveryState.DeadLettered));

        var before = await JsonAsync(await portal.GetAsync($"/api/v1/playbooks/{playbookId}/deliveries/", Caller.Admin));
        var listed = Assert.Single(before.GetProperty("data").EnumerateArray());
        Assert.Equal((dead.Id.ToString(), alertId, "DeadLettered", 1, 400), (listed.GetProperty("id").GetString(), listed.GetProperty("alertId").GetString(),
            listed.GetProperty("state").GetString(), listed.GetProperty("attempts").GetInt32(), listed.GetProperty("lastStatusCode").GetInt32()));
        Assert.Equal(JsonValueKind.Null, listed.GetProperty("nextAttemptAt").ValueKind);
        Assert.Equal(JsonValueKind.String, listed.GetProperty("completedAt").ValueKind);
        Assert.Contains("missing field", listed.GetProperty("attemptLog")[0].GetProperty("responseBody").GetString());

        var replayed = await JsonAsync(await portal.PostAsync($"/api/v1/deliveries/{dead.Id}/replay/", null, Caller.Admin));
        Assert.Equal(dead.Id.ToString(), replayed.GetProperty("id").GetString());
        Assert.Contains(replayed.GetProperty("state").GetString(), new[] { "Pending", "InFlight", "Delivered" });

        var second = await receiver.NextAsync();
        Assert.Equal(dead.Id.ToString(), first.WebhookId);
        Assert.Equal(first.WebhookId, second.WebhookId);
        Assert.Equal(first.Body, second.Body);
        var delivered = Assert.Single(await DeliveriesWhenAsync(portal, d => d.Count == 1 && d[0].State == DeliveryState.Delivered));
        Assert.Equal(dead.Id, delivered.Id);

        // Also under the MCAS prefix, and filtered by state.
        var after = await JsonAsync(await portal.GetAsync($"/cas/api/v1/playbooks/{playbookId}/deliveries/?state=delivered", Caller.Admin));
        var log = Assert.Single(after.GetProperty("data").EnumerateArray());
        Assert.Equal(("Delivered", 2, 200), (log.GetProperty("state").GetString(), log.GetProperty("attempts").GetInt32(), log.GetProperty("lastStatusCode").GetInt32()));
        Assert.Equal([400, 200], log.GetProperty("attemptLog").EnumerateArray().Select(a => a.GetProperty("statusCode").GetInt32()));
        Assert.Equal(JsonValueKind.Null, log.GetProperty("nextAttemptAt").ValueKind);

        await using var db = await Db(portal);
        var audit = await db.AuditEntries.AsNoTracking().SingleAsync(a => a.Action == AuditActions.DeliveryReplayed);
        Assert.Equal((AdminUpn, "Delivery", dead.Id.ToString()), (audit.Actor, audit.TargetType, audit.TargetId));
    }

    [Fact]
    public async Task ReplayingADeliveryThatIsStillQueuedOrBeingSent_Conflicts()
    {
        var portal = await StartLoopbackPortalAsync();
        var (playbookId, _) = await AddPlaybookAsync(portal, "http://127.0.0.1:9/hook");
        // Due in an hour on the fake clock, and held by a lease: the dispatcher leaves both alone.
        var pending = await InsertAsync(portal, playbookId, DeliveryState.Pending, portal.Now, nextAttemptAt: portal.Now.AddHours(1));
        var inFlight = await InsertAsync(portal, playbookId, DeliveryState.InFlight, portal.Now, nextAttemptAt: portal.Now,
            lease: ("another-instance", portal.Now.AddMinutes(1)));

        foreach (var id in new[] { pending, inFlight })
        {
            var problem = await ProblemAsync(await portal.PostAsync($"/api/v1/deliveries/{id}/replay/", null, Caller.Admin), HttpStatusCode.Conflict);
            Assert.Contains("still queued or being sent", ProblemText(problem));
        }
        await using var db = await Db(portal);
        Assert.Equal([DeliveryState.Pending, DeliveryState.InFlight],
            (await db.Deliveries.AsNoTracking().OrderBy(d => d.CreatedAt).ToListAsync()).Select(d => d.State));
        Assert.False(await db.AuditEntries.AnyAsync(a => a.Action == AuditActions.DeliveryReplayed));
    }

    [Fact]
    public async Task UnknownAndMalformedIds_AreNotFound()
    {
        var portal = await StartLoopbackPortalAsync();
        var unknown = Guid.NewGuid();

        await ProblemAsync(await portal.PostAsync($"/api/v1/deliveries/{unknown}/replay/", null, Caller.Admin), HttpStatusCode.NotFound);
        await ProblemAsync(await portal.PostAsync("/api/v1/deliveries/not-a-guid/replay/", null, Caller.Admin), HttpStatusCode.NotFound);
        await ProblemAsync(await portal.GetAsync($"/api/v1/playbooks/{unknown}/deliveries/", Caller.Admin), HttpStatusCode.NotFound);
        await ProblemAsync(await portal.GetAsync("/api/v1/playbooks/not-a-guid/deliveries/", Caller.Admin), HttpStatusCode.NotFound);
        await ProblemAsync(await portal.PostAsync($"/api/v1/playbooks/{unknown}/deliveries/replay/",
            """{"from": "2026-11-26T00:00:00Z", "to": "2026-11-27T00:00:00Z"}""", Caller.Admin), HttpStatusCode.NotFound);
        await ProblemAsync(await portal.PostAsync("/api/v1/playbooks/42/deliveries/replay/",
            """{"from": "2026-11-26T00:00:00Z", "to": "2026-11-27T00:00:00Z"}""", Caller.Admin), HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("limit=101", "limit")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=ten", "limit")]
    [InlineData("skip=-1", "skip")]
    [InlineData("state=Lost", "state")]
    [InlineData("state=2", "state")]
    public async Task BadListParameters_AreAValidationProblemNamingTheParameter(string query, string field)
    {
        var portal = await StartLoopbackPortalAsync();
        var (playbookId, _) = await AddPlaybookAsync(portal, "http://127.0.0.1:9/hook");

        var problem = await ProblemAsync(await portal.GetAsync($"/api/v1/playbooks/{playbookId}/deliveries/?{query}", Caller.Admin), HttpStatusCode.BadRequest);

        Assert.Equal([field], Errors(problem).Keys);
    }

    [Theory]
    [InlineData("""{"to": "2026-11-27T00:00:00Z"}""", "from")]
    [InlineData("""{"from": "2026-11-27T00:00:00Z"}""", "to")]
    [InlineData("""{"from": "yesterday", "to": "2026-11-27T00:00:00Z"}""", "from")]
    [InlineData("""{"from": "2026-11-27T00:00:00Z", "to": 1764201600}""", "to")]
    [InlineData("""{"from": "2026-11-27T00:00:00Z", "to": "2026-11-26T00:00:00Z"}""", "to")]
    [InlineData("""{"from": "2026-11-27T00:00:00Z", "to": "2026-11-27T00:00:00Z"}""", "to")]
    [InlineData("""{"from": "2026-11-26T00:00:00Z", "to": "2026-11-27T00:00:00Z", "state": "Delivered"}""", "state")]
    [InlineData("""["2026-11-26T00:00:00Z"]""", "body")]
    public async Task ABadRange_IsAValidationProblemNamingTheField(string body, string field)
    {
        var portal = await StartLoopbackPortalAsync();
        var (playbookId, _) = await AddPlaybookAsync(portal, "http://127.0.0.1:9/hook");

        var problem = await ProblemAsync(await portal.PostAsync($"/api/v1/playbooks/{playbookId}/deliveries/replay/", body, Caller.Admin), HttpStatusCode.BadRequest);

        Assert.Contains(field, Errors(problem).Keys);
    }

    [Fact]
    public async Task EnablingAPlaybookTheDispatcherDisabled_StartsItsFailureCountAfresh()
    {
        var portal = await StartLoopbackPortalAsync();
        var (playbookId, _) = await AddPlaybookAsync(portal, "http://127.0.0.1:9/hook");
        var id = Guid.Parse(playbookId);
        var factory = portal.Factory.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>();
        await using (var db = await factory.CreateDbContextAsync())
        {
            var disabled = await db.Playbooks.SingleAsync(p => p.Id == id);
            disabled.IsEnabled = false;
            disabled.Health.DisabledReason = "No successful delivery for 5 days.";
            disabled.Health.FailingSince = portal.Now.AddDays(-6);
            disabled.Health.ConsecutiveFailures = 12;
            await db.SaveChangesAsync();
        }

        await Playbooks(portal).SetEnabledAsync(await ViewerAsync(portal, AdminUpn), id, enabled: true);

        await using (var db = await factory.CreateDbContextAsync())
        {
            var enabled = await db.Playbooks.AsNoTracking().SingleAsync(p => p.Id == id);
            Assert.True(enabled.IsEnabled);
            // Otherwise its next failure would disable it again at once.
            Assert.Equal((null, null, 0), (enabled.Health.DisabledReason, enabled.Health.FailingSince, enabled.Health.ConsecutiveFailures));
        }
    }

    [Fact]
    public async Task ReplayingARange_RequeuesTheDeadLettersCreatedInIt_AndAnswersHowMany()
    {
        var portal = await StartLoopbackPortalAsync();
        var (playbookId, _) = await AddPlaybookAsync(portal, "http://127.0.0.1:9/hook");
        // Disabled, so the dispatcher holds the requeued deliveries and the test reads them as the replay left them.
        await Playbooks(portal).SetEnabledAsync(await ViewerAsync(portal, AdminUpn), Guid.Parse(playbookId), enabled: false);
        var tooOld = await InsertAsync(portal, playbookId, DeliveryState.DeadLettered, portal.Now.AddDays(-2));
        var inRange = await InsertAsync(portal, playbookId, DeliveryState.DeadLettered, portal.Now.AddHours(-5));
        var atStart = await InsertAsync(portal, playbookId, DeliveryState.DeadLettered, portal.Now.AddHours(-8));
        var atEnd = await InsertAsync(portal, playbookId, DeliveryState.DeadLettered, portal.Now.AddHours(-1));
        var delivered = await InsertAsync(portal, playbookId, DeliveryState.Delivered, portal.Now.AddHours(-3));

        // 01:00 to 08:00 UTC, written with an offset: the start is included, the end is not.
        var answer = await JsonAsync(await portal.PostAsync($"/api/v1/playbooks/{playbookId}/deliveries/replay/",
            """{"from": "2026-11-27T02:00:00+01:00", "to": "2026-11-27T08:00:00Z"}""", Caller.Admin));

        Assert.Equal(2, answer.GetProperty("requeued").GetInt32());
        await using var db = await Db(portal);
        var states = await db.Deliveries.AsNoTracking().ToDictionaryAsync(d => d.Id, d => d.State);
        Assert.Equal(DeliveryState.DeadLettered, states[tooOld]);
        Assert.Equal(DeliveryState.Pending, states[inRange]);
        Assert.Equal(DeliveryState.Pending, states[atStart]);
        Assert.Equal(DeliveryState.DeadLettered, states[atEnd]);
        Assert.Equal(DeliveryState.Delivered, states[delivered]);
        var audit = await db.AuditEntries.AsNoTracking().SingleAsync(a => a.Action == AuditActions.DeliveryReplayed);
        Assert.Equal(("Playbook", playbookId), (audit.TargetType, audit.TargetId));

        var none = await JsonAsync(await portal.PostAsync($"/api/v1/playbooks/{playbookId}/deliveries/replay/",
            """{"from": "2026-11-20T00:00:00Z", "to": "2026-11-21T00:00:00Z"}""", Caller.Admin));
        Assert.Equal(0, none.GetProperty("requeued").GetInt32());
    }

    [Fact]
    public async Task TheList_IsNewestFirst_AndPaged()
    {
        var portal = await StartLoopbackPortalAsync();
        var (playbookId, _) = await AddPlaybookAsync(portal, "http://127.0.0.1:9/hook");
        var ids = new List<Guid>();
        for (var i = 0; i < 5; i++)
            ids.Add(await InsertAsync(portal, playbookId, i % 2 == 0 ? DeliveryState.DeadLettered : DeliveryState.Delivered, portal.Now.AddMinutes(-10 + i)));
        ids.Reverse();

        var first = await JsonAsync(await portal.GetAsync($"/api/v1/playbooks/{playbookId}/deliveries/?limit=2", Caller.Admin));
        var last = await JsonAsync(await portal.GetAsync($"/api/v1/playbooks/{playbookId}/deliveries/?skip=4&limit=2", Caller.Admin));
        var dead = await JsonAsync(await portal.GetAsync($"/api/v1/playbooks/{playbookId}/deliveries/?state=DeadLettered", Caller.Admin));

        Assert.Equal(ids.Take(2).Select(i => i.ToString()), Ids(first));
        Assert.Equal((true, 5, 2), (first.GetProperty("hasNext").GetBoolean(), first.GetProperty("total").GetInt32(), first.GetProperty("max").GetInt32()));
        Assert.Equal([ids[4].ToString()], Ids(last));
        Assert.False(last.GetProperty("hasNext").GetBoolean());
        Assert.Equal(3, dead.GetProperty("total").GetInt32());
        Assert.All(dead.GetProperty("data").EnumerateArray(), d => Assert.Equal("DeadLettered", d.GetProperty("state").GetString()));
    }

    [Fact]
    public async Task AnotherOperator_DoesNotSeeThePlaybooksDeliveries_AndWithUseRightsMayListButNotReplay()
    {
        var portal = await StartLoopbackPortalAsync();
        var (playbookId, _) = await AddPlaybookAsync(portal, "http://127.0.0.1:9/hook");
        var dead = await InsertAsync(portal, playbookId, DeliveryState.DeadLettered, portal.Now.AddHours(-1));
        var range = """{"from": "2026-11-26T00:00:00Z", "to": "2026-11-28T00:00:00Z"}""";

        await ProblemAsync(await portal.GetAsync($"/api/v1/playbooks/{playbookId}/deliveries/", Caller.Operator), HttpStatusCode.NotFound);
        await ProblemAsync(await portal.PostAsync($"/api/v1/deliveries/{dead}/replay/", null, Caller.Operator), HttpStatusCode.NotFound);
        await ProblemAsync(await portal.PostAsync($"/api/v1/playbooks/{playbookId}/deliveries/replay/", range, Caller.Operator), HttpStatusCode.NotFound);

        var operatorUser = await ViewerAsync(portal, OperatorUpn);
        await Playbooks(portal).ShareAsync(await ViewerAsync(portal, AdminUpn), Guid.Parse(playbookId),
            [new PlaybookGrant(operatorUser.UserId, null, PlaybookPermission.Use)]);

        var listed = await JsonAsync(await portal.GetAsync($"/api/v1/playbooks/{playbookId}/deliveries/", Caller.Operator));
        Assert.Equal([dead.ToString()], Ids(listed));
        await ProblemAsync(await portal.PostAsync($"/api/v1/deliveries/{dead}/replay/", null, Caller.Operator), HttpStatusCode.Forbidden);
        await ProblemAsync(await portal.PostAsync($"/api/v1/playbooks/{playbookId}/deliveries/replay/", range, Caller.Operator), HttpStatusCode.Forbidden);
        // A reader holds no replay rights at all; an unshared one does not even see the log.
        await ProblemAsync(await portal.PostAsync($"/api/v1/deliveries/{dead}/replay/", null, Caller.Reader), HttpStatusCode.Forbidden);
        await ProblemAsync(await portal.GetAsync($"/api/v1/playbooks/{playbookId}/deliveries/", Caller.Reader), HttpStatusCode.NotFound);

        await using var db = await Db(portal);
        Assert.Equal(DeliveryState.DeadLettered, (await db.Deliveries.AsNoTracking().SingleAsync()).State);
    }

    private static List<string> Ids(JsonElement envelope) =>
        envelope.GetProperty("data").EnumerateArray().Select(d => d.GetProperty("id").GetString()!).ToList();

    private static Task<PortalDbContext> Db(ApiPortal portal) =>
        portal.Factory.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();

    private static PlaybookService Playbooks(ApiPortal portal) => portal.Factory.Services.GetRequiredService<PlaybookService>();

    private static async Task<PlaybookViewer> ViewerAsync(ApiPortal portal, string upn)
    {
        var user = await portal.Factory.Services.GetRequiredService<UserService>().FindAsync(upn);
        return new PlaybookViewer(user!.Id, user.Upn, user.Role);
    }

    /// <summary>A delivery row as the dispatcher leaves it (a test alert: no alert row needed); returns its id.</summary>
    private static async Task<Guid> InsertAsync(ApiPortal portal, string playbookId, DeliveryState state, DateTimeOffset createdAt,
        DateTimeOffset? nextAttemptAt = null, (string Owner, DateTimeOffset Expires)? lease = null)
    {
        var finished = state is DeliveryState.Delivered or DeliveryState.DeadLettered;
        var delivery = new Delivery
        {
            PlaybookId = Guid.Parse(playbookId),
            Payload = "{}",
            State = state,
            AttemptCount = finished ? 1 : 0,
            NextAttemptAt = nextAttemptAt ?? createdAt,
            CreatedAt = createdAt,
            CompletedAt = finished ? createdAt : null,
            LastStatusCode = state == DeliveryState.Delivered ? 200 : finished ? 400 : null,
            LeaseOwner = lease?.Owner,
            LeaseExpiresAt = lease?.Expires,
            Attempts = finished ? [new DeliveryAttempt { StartedAt = createdAt, DurationMs = 10, StatusCode = state == DeliveryState.Delivered ? 200 : 400 }] : [],
        };
        await using var db = await Db(portal);
        db.Deliveries.Add(delivery);
        await db.SaveChangesAsync();
        return delivery.Id;
    }
}
