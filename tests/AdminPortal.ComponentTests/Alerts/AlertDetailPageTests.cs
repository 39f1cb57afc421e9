using AdminPortal.Core.Features.Alerts;
using AdminPortal.Core.Features.Dispatch;
using AdminPortal.Core.Features.Playbooks;
using AdminPortal.Core.Features.Users;
using AdminPortal.Web.Features.Alerts;
using AngleSharp.Dom;
using Bunit;
using Microsoft.EntityFrameworkCore;

namespace AdminPortal.ComponentTests.Alerts;

/// <summary>An alert's page: what it shows, closing it through the dialog, read state, and what a reader may not do.</summary>
public sealed class AlertDetailPageTests : AlertsComponentTest
{
    [Fact]
    public async Task ShowsStatusPolicyEntitiesEvidenceAndHistory()
    {
        var policy = await CreatePolicyAsync("Mass download", AlertSeverity.High);
        await IngestAsync(Download("eve@contoso.com", "payroll.xlsx", ip: "198.51.100.23", country: "NL"));
        var alert = await SingleAlertAsync();
        Time.Advance(TimeSpan.FromMinutes(30));
        await Alerts.SetReadAsync(alert.Id, true, "carl@contoso.com");
        await SignInAsReaderAsync();

        var page = RenderDetail(alert.Id);

        Assert.Equal("Mass download", Text(page, "alert-title"));
        Assert.Equal("High", Text(page, "alert-severity"));
        Assert.Equal("Open", Text(page, "alert-status"));
        Assert.Equal("Read", Text(page, "alert-read"));
        Assert.Equal("2026-11-27 09:00 UTC", Text(page, "alert-created"));
        Assert.Equal("eve@contoso.com performed FileDownload in SharePoint on 'payroll.xlsx' from 198.51.100.23 (NL).", Text(page, "alert-description"));
        var policyLink = page.Find("[data-testid=alert-policy]");
        Assert.Equal(("Mass download", $"/policies/{policy.Id}/edit"), (policyLink.TextContent.Trim(), policyLink.GetAttribute("href")));

        Assert.Equal(["eve@contoso.com"], Entities(page, "account"));
        Assert.Equal(["198.51.100.23"], Entities(page, "ip"));
        Assert.Equal(["SharePoint"], Entities(page, "service"));
        Assert.Equal(["payroll.xlsx"], Entities(page, "file"));
        Assert.Equal(["NL"], Entities(page, "country"));
        Assert.Empty(page.FindAll("[data-testid=entities-policyrule]")); // the policy has its own line

        var evidence = page.FindAll("[data-testid=evidence-row]").Select(r => r.QuerySelectorAll("td").Select(td => td.TextContent.Trim()).ToList()).ToList();
        Assert.Equal([["2026-11-27 08:59 UTC", "eve@contoso.com", "FileDownload", "SharePoint", "payroll.xlsx", "198.51.100.23", "NL"]], evidence);

        Assert.Equal(
            [
                ("2026-11-27 09:00 UTC", "system", "Raised", "Raised by policy 'Mass download' from FileDownload activity."),
                ("2026-11-27 09:30 UTC", "carl@contoso.com", "Marked read", ""),
            ],
            History(page));
    }

    [Fact]
    public async Task ClosingAsBenign_WithAReasonAndComment_ShowsTheResolutionAndRecordsIt()
    {
        var policy = await CreatePolicyAsync("Mass download");
        var alert = await InsertAlertAsync(policy, "Mass download");
        var bob = await SignInAsOperatorAsync();
        var page = RenderDetail(alert.Id);
        Time.Advance(TimeSpan.FromMinutes(5));

        page.Find("[data-testid=close-alert]").Click();
        DialogProvider.WaitForAssertion(() => DialogProvider.Find("input[data-testid=close-kind-benign]"));
        DialogProvider.Find("input[data-testid=close-kind-benign]").Click();
        DialogProvider.WaitForAssertion(() => DialogProvider.Find("input[data-testid=close-reason]"));
        OpenSelect(DialogProvider, "close-reason");
        PickFromPopover("Triggered by test");
        DialogProvider.Find("textarea[data-testid=close-comment]").Input("Pen test by the red team.");
        DialogProvider.Find("[data-testid=confirm-close]").Click();

        page.WaitForAssertion(() => Assert.Equal("Closed · Benign", Text(page, "alert-status")));
        Assert.Equal("Triggered by test", Text(page, "alert-reason"));
        Assert.Equal("Pen test by the red team.", Text(page, "alert-resolution-comment"));
        Assert.Equal("2026-11-27 09:05 UTC by bob@contoso.com", Text(page, "alert-closed"));
        Assert.Equal(("2026-11-27 09:05 UTC", bob.Upn, "Closed as Benign · Triggered by test", "Pen test by the red team."), History(page)[^1]);
        // Only people's comments are alert-comment (a browser test reads the first); the engine's note when raising is not.
        Assert.Equal(["Pen test by the red team."], page.FindAll("[data-testid=alert-comment]").Select(c => c.TextContent.Trim()));
        SnackbarProvider.WaitForAssertion(() => Assert.Contains("1 alert(s) closed as benign.", SnackbarProvider.Markup));
        DialogProvider.WaitForAssertion(() => Assert.Empty(DialogProvider.FindAll(".mud-dialog")));

        var stored = await StoredAlertAsync(alert.Id);
        Assert.Equal((ResolutionStatus.Benign, 6, "Pen test by the red team.", bob.Upn, Time.GetUtcNow()),
            (stored.ResolutionStatus, stored.ResolutionReasonId, stored.ResolutionComment, stored.HandledBy, stored.ClosedAt));
        var closed = Assert.Single(stored.History, h => h.Kind == AlertEventKind.Closed);
        Assert.Equal((bob.Upn, ResolutionStatus.Benign, 6), (closed.Actor, closed.Resolution, closed.ReasonId));
        Assert.Equal("Change resolution…", page.Find("[data-testid=close-alert]").TextContent.Trim());
    }

    [Fact]
    public async Task ClosingAsTruePositive_OffersNoReason()
    {
        var policy = await CreatePolicyAsync("Mass download");
        var alert = await InsertAlertAsync(policy, "Mass download");
        await SignInAsOperatorAsync();
        var page = RenderDetail(alert.Id);

        page.Find("[data-testid=close-alert]").Click();
        DialogProvider.WaitForAssertion(() => Assert.True(DialogProvider.Find("input[data-testid=close-kind-truepositive]").HasAttribute("checked")));
        Assert.Empty(DialogProvider.FindAll("[data-testid=close-reason]"));
        DialogProvider.Find("input[data-testid=close-kind-falsepositive]").Click();
        DialogProvider.WaitForAssertion(() => Assert.NotEmpty(DialogProvider.FindAll("input[data-testid=close-reason]")));
        DialogProvider.Find("input[data-testid=close-kind-truepositive]").Click();
        DialogProvider.WaitForAssertion(() => Assert.Empty(DialogProvider.FindAll("[data-testid=close-reason]")));
        DialogProvider.Find("[data-testid=confirm-close]").Click();

        page.WaitForAssertion(() => Assert.Equal("Closed · True positive", Text(page, "alert-status")));
        Assert.Empty(page.FindAll("[data-testid=alert-reason]"));
        var stored = await StoredAlertAsync(alert.Id);
        Assert.Equal((ResolutionStatus.TruePositive, (int?)null, (string?)null), (stored.ResolutionStatus, stored.ResolutionReasonId, stored.ResolutionComment));
    }

    [Fact]
    public async Task MarkReadAndMarkUnread_Toggle_AndAreRecordedInTheHistory()
    {
        var policy = await CreatePolicyAsync("Mass download");
        var alert = await InsertAlertAsync(policy, "Mass download");
        var bob = await SignInAsOperatorAsync();
        var page = RenderDetail(alert.Id);
        Assert.Equal("Unread", Text(page, "alert-read"));
        Assert.Empty(page.FindAll("[data-testid=mark-unread]"));

        page.Find("[data-testid=mark-read]").Click();

        page.WaitForAssertion(() => Assert.Equal("Read", Text(page, "alert-read")));
        Assert.Equal("Mark unread", page.Find("[data-testid=mark-unread]").TextContent.Trim());
        Assert.Equal(AlertReadStatus.Read, (await StoredAlertAsync(alert.Id)).ReadStatus);

        page.Find("[data-testid=mark-unread]").Click();

        page.WaitForAssertion(() => Assert.Equal("Unread", Text(page, "alert-read")));
        Assert.Equal("Mark read", page.Find("[data-testid=mark-read]").TextContent.Trim());
        Assert.Equal(AlertReadStatus.Unread, (await StoredAlertAsync(alert.Id)).ReadStatus);
        Assert.Equal([(bob.Upn, "Marked read"), (bob.Upn, "Marked unread")], History(page).Skip(1).Select(h => (h.Actor, h.Action)));
    }

    [Fact]
    public async Task AReader_SeesTheAlertButNoCloseOrMarkButtons()
    {
        var policy = await CreatePolicyAsync("Mass download");
        var alert = await InsertAlertAsync(policy, "Mass download");
        await SignInAsReaderAsync();

        // Ids are lower-case hex; one pasted in upper case still opens the alert.
        var page = RenderDetail(alert.Id.ToUpperInvariant());

        Assert.Equal("Open", Text(page, "alert-status"));
        Assert.Empty(page.FindAll("[data-testid=close-alert]"));
        Assert.Empty(page.FindAll("[data-testid=mark-read]"));
        Assert.Empty(page.FindAll("[data-testid=mark-unread]"));
        Assert.Empty(page.FindAll("button"));
    }

    [Fact]
    public async Task AnUnknownId_SaysThereIsNoSuchAlert()
    {
        await SignInAsReaderAsync();

        var page = RenderDetail("0123456789abcdef01234567");

        Assert.Contains("There is no alert with the id \"0123456789abcdef01234567\"", Text(page, "alert-not-found"));
        Assert.Empty(page.FindAll("[data-testid=alert-status]"));
    }

    [Fact]
    public async Task AnAlertOfADeletedPolicy_NamesThePolicyAsDeleted_WithoutALink()
    {
        var policy = await CreatePolicyAsync("Mass download");
        var alert = await InsertAlertAsync(policy, "Mass download");
        await Policies.DeleteAsync(policy.Id, "grace@contoso.com");
        await SignInAsReaderAsync();

        var page = RenderDetail(alert.Id);

        var policyLine = page.Find("[data-testid=alert-policy]");
        Assert.Equal("Mass download (deleted)", policyLine.TextContent.Trim());
        Assert.Null(policyLine.GetAttribute("href"));
    }

    [Fact]
    public async Task TheDeliveriesSection_ListsThePlaybooksTheAlertWentTo_NamingOnlyThoseTheViewerMaySee()
    {
        var policy = await CreatePolicyAsync("Mass download");
        var alert = await InsertAlertAsync(policy, "Mass download");
        var bob = await SignInAsOperatorAsync();
        var carol = await Users.AddOrUpdateAsync("carol@contoso.com", PortalRole.SecurityOperator, "test");
        var own = (await Playbooks.CreateWebhookAsync(new PlaybookViewer(bob.Id, bob.Upn, bob.Role),
            new WebhookPlaybookDraft { Name = "Bob's Logic App", Url = "https://hooks.example.com/bob" })).Playbook;
        var hidden = (await Playbooks.CreateWebhookAsync(new PlaybookViewer(carol.Id, carol.Upn, carol.Role),
            new WebhookPlaybookDraft { Name = "Carol's n8n", Url = "https://hooks.example.com/carol" })).Playbook;
        var now = Time.GetUtcNow();
        await using (var db = await Contexts.CreateDbContextAsync())
        {
            db.Deliveries.Add(new Delivery
            {
                AlertId = alert.Id, PlaybookId = own.Id, Payload = "{}", State = DeliveryState.DeadLettered, AttemptCount = 1, LastStatusCode = 400,
                NextAttemptAt = now, CreatedAt = now, CompletedAt = now,
                Attempts = [new DeliveryAttempt { StartedAt = now, DurationMs = 80, StatusCode = 400 }],
            });
            db.Deliveries.Add(new Delivery
            {
                AlertId = alert.Id, PlaybookId = hidden.Id, Payload = "{}", State = DeliveryState.Pending, AttemptCount = 1, LastStatusCode = 503,
                NextAttemptAt = now.AddMinutes(5), CreatedAt = now.AddSeconds(1),
            });
            await db.SaveChangesAsync();
        }

        var page = RenderDetail(alert.Id);

        var rows = page.FindAll("[data-testid=alert-deliveries] [data-testid=alert-delivery-row]")
            .Select(r => r.QuerySelectorAll("td").Select(td => td.TextContent.Trim()).ToList()).ToList();
        Assert.Equal(
            [
                ["Bob's Logic App", "Dead-lettered", "1", "400", "—"],
                ["a playbook you cannot see", "Pending", "1", "503", "2026-11-27 09:05 UTC"],
            ],
            rows);
        var playbookCells = page.FindAll("[data-testid=alert-delivery-playbook]");
        Assert.Equal($"/settings/security-extensions/playbooks/{own.Id}/deliveries", playbookCells[0].QuerySelector("a")!.GetAttribute("href"));
        Assert.Null(playbookCells[1].QuerySelector("a"));
        Assert.DoesNotContain("Carol", page.Markup);
        Assert.DoesNotContain(hidden.Id.ToString(), page.Markup);
    }

    [Fact]
    public async Task AnAlertSentToNoPlaybook_SaysSoInTheDeliveriesSection()
    {
        var policy = await CreatePolicyAsync("Mass download");
        var alert = await InsertAlertAsync(policy, "Mass download");
        await SignInAsReaderAsync();

        var page = RenderDetail(alert.Id);

        Assert.Equal("This alert was not sent to any playbook.", Text(page, "no-alert-deliveries"));
    }

    private IRenderedComponent<AlertDetailPage> RenderDetail(string id)
    {
        var page = Render<AlertDetailPage>(parameters => parameters.Add(p => p.Id, id));
        page.WaitForAssertion(() => Assert.Empty(page.FindAll(".mud-progress-linear")));
        return page;
    }

    private async Task<Alert> SingleAlertAsync()
    {
        await using var db = await Contexts.CreateDbContextAsync();
        return await db.Alerts.AsNoTracking().SingleAsync();
    }

    private static string Text(IRenderedComponent<AlertDetailPage> page, string testId) =>
        page.Find($"[data-testid={testId}]").TextContent.Trim();

    private static List<string> Entities(IRenderedComponent<AlertDetailPage> page, string type) =>
        page.FindAll($"[data-testid=entities-{type}] [data-testid=alert-entity]").Select(e => e.TextContent.Trim()).ToList();

    private static List<(string At, string Actor, string Action, string Comment)> History(IRenderedComponent<AlertDetailPage> page) =>
        page.FindAll("[data-testid=history-row]").Select(row =>
        {
            var cells = row.QuerySelectorAll("td");
            return (cells[0].TextContent.Trim(), cells[1].TextContent.Trim(),
                row.QuerySelector("[data-testid=history-action]")!.TextContent.Trim(),
                row.QuerySelector("[data-testid=alert-comment], [data-testid=history-note]")?.TextContent.Trim() ?? "");
        }).ToList();
}
