using AdminPortal.Core.Features.Audit;
using AdminPortal.Core.Features.Dispatch;
using AdminPortal.Core.Features.Playbooks;
using AdminPortal.Core.Features.Users;
using AdminPortal.Web.Features.Playbooks;
using AngleSharp.Dom;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AdminPortal.ComponentTests.Playbooks;

/// <summary>
/// A playbook's delivery log: the deliveries with their attempts, replaying one or a range (same id, back to Pending,
/// audited), what readers and other users see, the link from the Playbooks tab, and the admins' banner about
/// playbooks the portal disabled.
/// </summary>
public sealed class PlaybookDeliveriesPageTests : PlaybooksComponentTest
{
    [Fact]
    public async Task TheLog_ListsDeliveriesNewestFirst_AndARowOpensToShowEachAttempt()
    {
        var bob = await OperatorAsync("bob@contoso.com");
        var playbook = await AddPlaybookAsync(bob, "Bob's Logic App");
        var delivered = await InsertDeliveryAsync(playbook.Id, DeliveryState.Delivered, TimeSpan.FromHours(3),
            (503, "The receiver answered 503.", "{\"error\":\"busy\"}"), (200, null, "accepted"));
        var dead = await InsertDeliveryAsync(playbook.Id, DeliveryState.DeadLettered, TimeSpan.FromHours(2), (400, "The receiver answered 400.", "bad request"));
        var pending = await InsertDeliveryAsync(playbook.Id, DeliveryState.Pending, TimeSpan.FromHours(1));

        var page = RenderPageAs(bob, playbook.Id);

        Assert.Equal("Deliveries of Bob's Logic App", page.Find("[data-testid=deliveries-title]").TextContent.Trim());
        Assert.Equal([pending.Id, dead.Id, delivered.Id], RowIds(page));
        Assert.Equal(("Pending", "0", "—", "Due now"), Summary(Row(page, pending.Id)));
        Assert.Equal(("Dead-lettered", "1", "400", "—"), Summary(Row(page, dead.Id)));
        Assert.Equal(("Delivered", "2", "200", "—"), Summary(Row(page, delivered.Id)));
        Assert.Empty(page.FindAll("[data-testid=delivery-attempt]"));

        page.Find($"[data-testid=toggle-delivery-{delivered.Id}]").Click();

        page.WaitForAssertion(() => Assert.Equal(2, Row(page, delivered.Id).QuerySelectorAll("[data-testid=delivery-attempt]").Length));
        var attempts = Row(page, delivered.Id).QuerySelectorAll("[data-testid=delivery-attempt]")
            .Select(a => a.QuerySelectorAll("td").Select(td => td.TextContent.Trim()).ToList()).ToList();
        Assert.Equal(["2026-11-27 06:00:00 UTC", "120 ms", "503", "The receiver answered 503.", "{\"error\":\"busy\"}"], attempts[0]);
        Assert.Equal(["2026-11-27 06:01:00 UTC", "120 ms", "200", "", "accepted"], attempts[1]);
        Assert.Equal(delivered.Id.ToString(), Row(page, delivered.Id).QuerySelector("[data-testid=delivery-id]")!.TextContent.Trim());
    }

    [Fact]
    public async Task ReplayingADeadLetteredDelivery_PutsItBackToPending_WithTheSameId_KeepingItsAttempts()
    {
        var bob = await OperatorAsync("bob@contoso.com");
        var playbook = await AddPlaybookAsync(bob, "Bob's Logic App");
        var dead = await InsertDeliveryAsync(playbook.Id, DeliveryState.DeadLettered, TimeSpan.FromHours(2), (400, "The receiver answered 400.", null));
        var page = RenderPageAs(bob, playbook.Id);
        Time.Advance(TimeSpan.FromMinutes(10));

        page.Find($"[data-testid=replay-delivery-{dead.Id}]").Click();

        page.WaitForAssertion(() => Assert.Equal("Pending", Row(page, dead.Id).QuerySelector("[data-testid=delivery-state]")!.TextContent.Trim()));
        Assert.Empty(page.FindAll($"[data-testid=replay-delivery-{dead.Id}]"));
        SnackbarProvider.WaitForAssertion(() => Assert.Contains("Delivery queued again with the same webhook-id.", SnackbarProvider.Markup));
        // The dispatcher is told at once rather than at its next poll.
        await Signal.WaitAsync(TimeSpan.FromHours(1), Time, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));

        await using var db = await Contexts.CreateDbContextAsync();
        var stored = await db.Deliveries.AsNoTracking().Include(d => d.Attempts).SingleAsync();
        Assert.Equal(dead.Id, stored.Id);
        Assert.Equal((DeliveryState.Pending, Time.GetUtcNow(), 0, (string?)null, (DateTimeOffset?)null, (DateTimeOffset?)null),
            (stored.State, stored.NextAttemptAt, stored.AttemptCount, stored.LeaseOwner, stored.LeaseExpiresAt, stored.CompletedAt));
        Assert.Single(stored.Attempts);
        var audit = await db.AuditEntries.AsNoTracking().SingleAsync(a => a.Action == AuditActions.DeliveryReplayed);
        Assert.Equal((bob.Upn, "Delivery", dead.Id.ToString()), (audit.Actor, audit.TargetType, audit.TargetId));
        Assert.Contains("Bob's Logic App", audit.Details);
    }

    [Fact]
    public async Task AQueuedDelivery_ShowsHowItEnded_WithoutARefresh()
    {
        var bob = await OperatorAsync("bob@contoso.com");
        var playbook = await AddPlaybookAsync(bob, "Bob's Logic App");
        var queued = await InsertDeliveryAsync(playbook.Id, DeliveryState.Pending, TimeSpan.FromSeconds(1));
        var page = RenderPageAs(bob, playbook.Id);
        Assert.Equal("Pending", State(page, queued.Id));

        // The dispatcher delivers it meanwhile.
        await using (var db = await Contexts.CreateDbContextAsync())
        {
            var stored = await db.Deliveries.SingleAsync();
            (stored.State, stored.AttemptCount, stored.LastStatusCode, stored.CompletedAt) = (DeliveryState.Delivered, 1, 200, Time.GetUtcNow());
            await db.SaveChangesAsync();
        }
        Time.Advance(PlaybookDeliveriesPage.PollInterval);

        page.WaitForAssertion(() => Assert.Equal("Delivered", State(page, queued.Id)));
    }

    [Fact]
    public async Task ReplayingARange_RequeuesOnlyTheDeadLetteredDeliveriesCreatedInIt()
    {
        var bob = await OperatorAsync("bob@contoso.com");
        var playbook = await AddPlaybookAsync(bob, "Bob's Logic App");
        var old = await InsertDeliveryAsync(playbook.Id, DeliveryState.DeadLettered, TimeSpan.FromDays(3), (400, null, null));
        var recent = await InsertDeliveryAsync(playbook.Id, DeliveryState.DeadLettered, TimeSpan.FromHours(5), (400, null, null));
        var newest = await InsertDeliveryAsync(playbook.Id, DeliveryState.DeadLettered, TimeSpan.FromMinutes(5), (404, null, null));
        var delivered = await InsertDeliveryAsync(playbook.Id, DeliveryState.Delivered, TimeSpan.FromHours(4), (200, null, null));
        var page = RenderPageAs(bob, playbook.Id);

        page.Find("input[data-testid=replay-range-from]").Change("2026-11-27T00:00");
        page.Find("input[data-testid=replay-range-to]").Change("2026-11-27T09:00");
        page.Find("[data-testid=replay-range]").Click();

        SnackbarProvider.WaitForAssertion(() => Assert.Contains("2 dead-lettered deliveries queued again.", SnackbarProvider.Markup));
        page.WaitForAssertion(() => Assert.Equal("Pending", State(page, recent.Id)));
        Assert.Equal("Pending", State(page, newest.Id));
        Assert.Equal("Dead-lettered", State(page, old.Id));
        Assert.Equal("Delivered", State(page, delivered.Id));
        await using var db = await Contexts.CreateDbContextAsync();
        var audit = await db.AuditEntries.AsNoTracking().SingleAsync(a => a.Action == AuditActions.DeliveryReplayed);
        Assert.Equal(("Playbook", playbook.Id.ToString()), (audit.TargetType, audit.TargetId));
        Assert.Contains("Replayed 2 dead-lettered deliveries", audit.Details);
    }

    [Fact]
    public async Task ARangeThatEndsBeforeItStarts_IsRefusedWithoutReplayingAnything()
    {
        var bob = await OperatorAsync("bob@contoso.com");
        var playbook = await AddPlaybookAsync(bob, "Bob's Logic App");
        var dead = await InsertDeliveryAsync(playbook.Id, DeliveryState.DeadLettered, TimeSpan.FromHours(1), (400, null, null));
        var page = RenderPageAs(bob, playbook.Id);

        page.Find("input[data-testid=replay-range-from]").Change("2026-11-27T09:00");
        page.Find("input[data-testid=replay-range-to]").Change("2026-11-26T09:00");
        page.Find("[data-testid=replay-range]").Click();

        page.WaitForAssertion(() => Assert.Equal("The end of the range must be later than its start.", page.Find("[data-testid=replay-range-error]").TextContent.Trim()));
        Assert.Equal("Dead-lettered", State(page, dead.Id));
    }

    [Fact]
    public async Task AReader_SeesTheLogAndTheAttempts_ButNoReplayButtons()
    {
        var bob = await OperatorAsync("bob@contoso.com");
        var rita = await Users.AddOrUpdateAsync("rita@contoso.com", PortalRole.SecurityReader, "test");
        var playbook = await AddPlaybookAsync(bob, "Bob's Logic App");
        // Even a Manage grant lets a reader only look.
        await Playbooks.ShareAsync(ViewerOf(bob), playbook.Id, [new PlaybookGrant(rita.Id, null, PlaybookPermission.Manage)]);
        var dead = await InsertDeliveryAsync(playbook.Id, DeliveryState.DeadLettered, TimeSpan.FromHours(1), (400, "The receiver answered 400.", null));

        var page = RenderPageAs(rita, playbook.Id);

        Assert.Equal("Dead-lettered", State(page, dead.Id));
        Assert.Empty(page.FindAll("[data-testid^=replay-delivery-]"));
        Assert.Empty(page.FindAll("[data-testid=replay-range]"));
        page.Find($"[data-testid=toggle-delivery-{dead.Id}]").Click();
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=delivery-attempt]")));
        // The service refuses too, whatever the page shows.
        Assert.Equal(ReplayOutcome.Forbidden, (await Deliveries.ReplayAsync(ViewerOf(rita), dead.Id)).Outcome);
    }

    [Fact]
    public async Task AnOperatorWithUseRights_SeesTheLogButMayNotReplay()
    {
        var bob = await OperatorAsync("bob@contoso.com");
        var carol = await OperatorAsync("carol@contoso.com");
        var playbook = await AddPlaybookAsync(carol, "Carol's n8n");
        await Playbooks.ShareAsync(ViewerOf(carol), playbook.Id, [new PlaybookGrant(bob.Id, null, PlaybookPermission.Use)]);
        var dead = await InsertDeliveryAsync(playbook.Id, DeliveryState.DeadLettered, TimeSpan.FromHours(1), (400, null, null));

        var page = RenderPageAs(bob, playbook.Id);

        Assert.Equal("Dead-lettered", State(page, dead.Id));
        Assert.Empty(page.FindAll("[data-testid^=replay-delivery-]"));
        Assert.Empty(page.FindAll("[data-testid=replay-range]"));
    }

    [Fact]
    public async Task AnotherUsersPlaybook_IsNotFound_AndItsDeliveriesAreNotShown()
    {
        var bob = await OperatorAsync("bob@contoso.com");
        var carol = await OperatorAsync("carol@contoso.com");
        var playbook = await AddPlaybookAsync(carol, "Carol's n8n");
        var dead = await InsertDeliveryAsync(playbook.Id, DeliveryState.DeadLettered, TimeSpan.FromHours(1), (400, null, null));

        var page = RenderPageAs(bob, playbook.Id);

        Assert.NotNull(page.Find("[data-testid=playbook-not-found]"));
        Assert.DoesNotContain("Carol's n8n", page.Markup);
        Assert.Empty(page.FindAll("[data-testid^=delivery-row-]"));
        Assert.Equal(ReplayOutcome.NotFound, (await Deliveries.ReplayAsync(ViewerOf(bob), dead.Id)).Outcome);
    }

    [Fact]
    public async Task AGlobalAdmin_SeesAndReplaysAnyonesDeliveries()
    {
        var carol = await OperatorAsync("carol@contoso.com");
        var grace = await Users.AddOrUpdateAsync("grace@contoso.com", PortalRole.GlobalAdmin, "test");
        var playbook = await AddPlaybookAsync(carol, "Carol's n8n");
        var dead = await InsertDeliveryAsync(playbook.Id, DeliveryState.DeadLettered, TimeSpan.FromHours(1), (400, null, null));

        var page = RenderPageAs(grace, playbook.Id);
        page.Find($"[data-testid=replay-delivery-{dead.Id}]").Click();

        page.WaitForAssertion(() => Assert.Equal("Pending", State(page, dead.Id)));
    }

    [Fact]
    public async Task ThePlaybooksTab_LinksEveryoneWhoSeesAPlaybook_ToItsDeliveries()
    {
        var bob = await OperatorAsync("bob@contoso.com");
        var rita = await Users.AddOrUpdateAsync("rita@contoso.com", PortalRole.SecurityReader, "test");
        var playbook = await AddPlaybookAsync(bob, "Bob's Logic App");
        await Playbooks.ShareAsync(ViewerOf(bob), playbook.Id, [new PlaybookGrant(rita.Id, null, PlaybookPermission.Use)]);

        var tab = RenderTabAs(rita);

        var link = tab.Find($"[data-testid=deliveries-playbook-{playbook.Id}]");
        Assert.Equal($"/settings/security-extensions/playbooks/{playbook.Id}/deliveries", link.GetAttribute("href"));
    }

    [Fact]
    public async Task TheBanner_TellsAGlobalAdminWhichPlaybooksThePortalDisabled_NotThoseAPersonDisabled()
    {
        var bob = await OperatorAsync("bob@contoso.com");
        var grace = await Users.AddOrUpdateAsync("grace@contoso.com", PortalRole.GlobalAdmin, "test");
        var gone = await AddPlaybookAsync(bob, "Bob's Logic App");
        var silent = await AddPlaybookAsync(bob, "Bob's n8n");
        var paused = await AddPlaybookAsync(bob, "Bob's Node-RED");
        await DisableAsync(gone.Id, "Endpoint gone: it answered 410 (its flow was deleted or turned off).");
        await DisableAsync(silent.Id, "No successful delivery for 5 days.");
        await Playbooks.SetEnabledAsync(ViewerOf(bob), paused.Id, enabled: false);

        SignIn(grace);
        var banner = Render<DisabledPlaybooksBanner>();

        banner.WaitForAssertion(() => Assert.NotNull(banner.Find("[data-testid=disabled-playbooks-banner]")));
        Assert.Equal(
            "Playbook Bob's Logic App was disabled: Endpoint gone: it answered 410 (its flow was deleted or turned off). Fix it, then enable it on the Playbooks tab.",
            Normalize(banner.Find($"[data-testid=disabled-playbook-{gone.Id}]").TextContent));
        Assert.Equal(
            "Playbook Bob's n8n was disabled: No successful delivery for 5 days. Fix it, then enable it on the Playbooks tab.",
            Normalize(banner.Find($"[data-testid=disabled-playbook-{silent.Id}]").TextContent));
        Assert.Empty(banner.FindAll($"[data-testid=disabled-playbook-{paused.Id}]"));
        Assert.Equal("/settings/security-extensions?tab=playbooks", banner.Find($"[data-testid=disabled-playbook-{gone.Id}] a").GetAttribute("href"));
    }

    [Fact]
    public async Task TheBanner_IsNotShownToOperators()
    {
        var bob = await OperatorAsync("bob@contoso.com");
        var playbook = await AddPlaybookAsync(bob, "Bob's Logic App");
        await DisableAsync(playbook.Id, "Endpoint gone: it answered 410 (its flow was deleted or turned off).");
        Assert.Single(await Deliveries.DisabledPlaybooksAsync());

        SignIn(bob);
        var banner = Render<DisabledPlaybooksBanner>();

        Assert.Empty(banner.FindAll("[data-testid=disabled-playbooks-banner]"));
    }

    [Fact]
    public async Task TheBanner_IsGone_OnceThePlaybookIsEnabledAgain()
    {
        var bob = await OperatorAsync("bob@contoso.com");
        var grace = await Users.AddOrUpdateAsync("grace@contoso.com", PortalRole.GlobalAdmin, "test");
        var playbook = await AddPlaybookAsync(bob, "Bob's Logic App");
        await DisableAsync(playbook.Id, "Endpoint gone: it answered 410 (its flow was deleted or turned off).");
        SignIn(grace);
        var banner = Render<DisabledPlaybooksBanner>();
        banner.WaitForAssertion(() => Assert.NotNull(banner.Find("[data-testid=disabled-playbooks-banner]")));

        await Playbooks.SetEnabledAsync(ViewerOf(grace), playbook.Id, enabled: true);
        // The banner lives in the layout, which stays across pages: it looks again at the next page.
        Services.GetRequiredService<NavigationManager>().NavigateTo("/alerts");

        banner.WaitForAssertion(() => Assert.Empty(banner.FindAll("[data-testid=disabled-playbooks-banner]")));
    }

    private Task<User> OperatorAsync(string upn) => Users.AddOrUpdateAsync(upn, PortalRole.SecurityOperator, "test");

    private IRenderedComponent<PlaybookDeliveriesPage> RenderPageAs(User user, Guid playbookId)
    {
        SignIn(user);
        var page = Render<PlaybookDeliveriesPage>(p => p.Add(x => x.Id, playbookId));
        page.WaitForAssertion(() => Assert.Empty(page.FindAll(".mud-progress-linear")));
        return page;
    }

    /// <summary>A delivery as the dispatcher leaves it (a test alert, so no alert row is needed), with its attempts a minute apart.</summary>
    private async Task<Delivery> InsertDeliveryAsync(Guid playbookId, DeliveryState state, TimeSpan age, params (int? Status, string? Error, string? Body)[] attempts)
    {
        var created = Time.GetUtcNow() - age;
        var last = attempts.LastOrDefault();
        var delivery = new Delivery
        {
            PlaybookId = playbookId,
            Payload = "{}",
            State = state,
            AttemptCount = attempts.Length,
            NextAttemptAt = state == DeliveryState.Pending ? Time.GetUtcNow() : created,
            CreatedAt = created,
            CompletedAt = state is DeliveryState.Delivered or DeliveryState.DeadLettered ? created.AddMinutes(attempts.Length) : null,
            LastStatusCode = last.Status,
            LastError = last.Error,
            Attempts = attempts.Select((a, i) => new DeliveryAttempt
            {
                StartedAt = created.AddMinutes(i), DurationMs = 120, StatusCode = a.Status, Error = a.Error, ResponseBody = a.Body,
            }).ToList(),
        };
        await using var db = await Contexts.CreateDbContextAsync();
        db.Deliveries.Add(delivery);
        await db.SaveChangesAsync();
        return delivery;
    }

    /// <summary>Disables a playbook as the dispatcher does, with its reason.</summary>
    private async Task DisableAsync(Guid playbookId, string reason)
    {
        await using var db = await Contexts.CreateDbContextAsync();
        var playbook = await db.Playbooks.SingleAsync(p => p.Id == playbookId);
        playbook.IsEnabled = false;
        playbook.Health.DisabledReason = reason;
        await db.SaveChangesAsync();
    }

    private static List<Guid> RowIds(IRenderedComponent<PlaybookDeliveriesPage> page) =>
        page.FindAll("[data-testid^=delivery-row-]").Select(r => Guid.Parse(r.GetAttribute("data-testid")!["delivery-row-".Length..])).ToList();

    private static IElement Row(IRenderedComponent<PlaybookDeliveriesPage> page, Guid id) => page.Find($"[data-testid=delivery-row-{id}]");

    private static string State(IRenderedComponent<PlaybookDeliveriesPage> page, Guid id) =>
        Row(page, id).QuerySelector("[data-testid=delivery-state]")!.TextContent.Trim();

    /// <summary>State, attempts, last status (without the error line) and next attempt of a row.</summary>
    private static (string, string, string, string) Summary(IElement row) => (
        row.QuerySelector("[data-testid=delivery-state]")!.TextContent.Trim(),
        row.QuerySelector("[data-testid=delivery-attempts]")!.TextContent.Trim(),
        row.QuerySelector("[data-testid=delivery-last-status]")!.ChildNodes.First(n => n.NodeType == NodeType.Text && n.TextContent.Trim().Length > 0).TextContent.Trim(),
        row.QuerySelector("[data-testid=delivery-next-attempt]")!.TextContent.Trim());

    private static string Normalize(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
