using AdminPortal.Core.Features.Dispatch;
using AdminPortal.Core.Features.Playbooks;
using AdminPortal.Core.Features.Policies;
using AdminPortal.Core.Features.Users;
using Bunit;
using Microsoft.EntityFrameworkCore;

namespace AdminPortal.ComponentTests.Playbooks;

/// <summary>The playbooks grid: who sees which playbooks, the filter, and the row actions behind the ⋮ menu.</summary>
public sealed class PlaybooksTabTests : PlaybooksComponentTest
{
    [Fact]
    public async Task AnOperator_SeesTheirOwnPlaybooksAndThoseSharedWithThem_ButNotOthers()
    {
        var (bob, carol, dave) = await ThreeOperatorsAsync();
        var own = await AddPlaybookAsync(bob, "Bob's Logic App");
        var shared = await AddPlaybookAsync(carol, "Carol's n8n");
        await Playbooks.ShareAsync(ViewerOf(carol), shared.Id, [new PlaybookGrant(bob.Id, null, PlaybookPermission.Use)]);
        await AddPlaybookAsync(dave, "Dave's Node-RED");

        var tab = RenderTabAs(bob);

        Assert.Equal(["Bob's Logic App", "Carol's n8n"], Names(tab));
        Assert.DoesNotContain("Dave", tab.Markup);
        var headers = tab.FindAll("[data-testid=playbook-grid] thead th").Select(th => th.TextContent.Trim()).Where(t => t.Length > 0 && t != "Actions");
        Assert.Equal(["Name", "Owner", "Kind", "Status", "Linked policies", "Last update", "Last delivery", "URL"], headers);
        var row = Row(tab, own.Id);
        Assert.Equal("bob@contoso.com", Cell(row, "Owner"));
        Assert.Equal("Webhook", Cell(row, "Kind"));
        Assert.Equal("Enabled", Cell(row, "Status"));
        Assert.Equal("0", Cell(row, "Linked policies"));
        Assert.Equal("2026-11-27 09:00 UTC", Cell(row, "Last update"));
        Assert.Equal("Never", Cell(row, "Last delivery"));
        Assert.Equal(own.CallbackUrlMasked, Cell(row, "URL"));
        // Their own playbook they manage; one shared for use only offers no actions.
        Assert.NotEmpty(tab.FindAll($"[data-testid=playbook-menu-{own.Id}]"));
        Assert.Empty(tab.FindAll($"[data-testid=playbook-menu-{shared.Id}]"));
        Assert.NotEmpty(tab.FindAll("[data-testid=add-playbook]"));
    }

    [Fact]
    public async Task TheFilter_ShowsAuthoredByMeOrSharedWithMe()
    {
        var (bob, carol, _) = await ThreeOperatorsAsync();
        await AddPlaybookAsync(bob, "Bob's Logic App");
        var shared = await AddPlaybookAsync(carol, "Carol's n8n");
        await Playbooks.ShareAsync(ViewerOf(carol), shared.Id, [new PlaybookGrant(null, PortalRole.SecurityOperator, PlaybookPermission.Use)]);
        var tab = RenderTabAs(bob);
        Assert.Equal(2, Names(tab).Count);

        Choose(tab, "playbook-filter", "Authored by me");
        tab.WaitForAssertion(() => Assert.Equal(["Bob's Logic App"], Names(tab)));

        Choose(tab, "playbook-filter", "Shared with me");
        tab.WaitForAssertion(() => Assert.Equal(["Carol's n8n"], Names(tab)));

        Choose(tab, "playbook-filter", "All");
        tab.WaitForAssertion(() => Assert.Equal(["Bob's Logic App", "Carol's n8n"], Names(tab)));
    }

    [Fact]
    public async Task AGlobalAdmin_SeesEveryPlaybook_AndManagesEach()
    {
        var (bob, carol, dave) = await ThreeOperatorsAsync();
        var grace = await Users.AddOrUpdateAsync("grace@contoso.com", PortalRole.GlobalAdmin, "test");
        var playbooks = new[] { await AddPlaybookAsync(bob, "Bob's Logic App"), await AddPlaybookAsync(carol, "Carol's n8n"), await AddPlaybookAsync(dave, "Dave's Node-RED") };

        var tab = RenderTabAs(grace);

        Assert.Equal(["Bob's Logic App", "Carol's n8n", "Dave's Node-RED"], Names(tab));
        Assert.All(playbooks, p => Assert.NotEmpty(tab.FindAll($"[data-testid=playbook-menu-{p.Id}]")));
        Assert.NotEmpty(tab.FindAll("[data-testid=add-playbook]"));
    }

    [Fact]
    public async Task AReader_SeesTheListButNoAddOrManageButtons()
    {
        var (bob, _, _) = await ThreeOperatorsAsync();
        var ada = await Users.AddOrUpdateAsync("ada@contoso.com", PortalRole.SecurityReader, "test");
        var playbook = await AddPlaybookAsync(bob, "Bob's Logic App");
        // Even a Manage grant gives a reader no buttons: readers only look.
        await Playbooks.ShareAsync(ViewerOf(bob), playbook.Id, [new PlaybookGrant(ada.Id, null, PlaybookPermission.Manage)]);

        var tab = RenderTabAs(ada);

        Assert.Equal(["Bob's Logic App"], Names(tab));
        Assert.Empty(tab.FindAll("[data-testid=add-playbook]"));
        Assert.Empty(tab.FindAll("[data-testid^=playbook-menu-]"));
        Assert.NotEmpty(tab.FindAll("input[data-testid=playbook-filter]"));
    }

    [Fact]
    public async Task Sharing_GrantsAUserUse_AndThePlaybookBecomesVisibleToThem()
    {
        var (bob, carol, _) = await ThreeOperatorsAsync();
        var playbook = await AddPlaybookAsync(bob, "Bob's Logic App");
        Assert.Empty(await Playbooks.ListAsync(ViewerOf(carol)));
        var tab = RenderTabAs(bob);

        ClickMenuItem(tab, playbook.Id, "share-playbook");
        DialogProvider.WaitForAssertion(() => Assert.NotEmpty(DialogProvider.FindAll("[data-testid=no-shares]")));
        DialogProvider.Find("input[data-testid=share-user]").Input("Carol@Contoso.com");
        DialogProvider.Find("[data-testid=add-share-user]").Click();
        DialogProvider.WaitForAssertion(() => Assert.Equal("carol@contoso.com", DialogProvider.Find("[data-testid=share-grant-0] td").TextContent.Trim()));
        Assert.Equal("Use", DialogProvider.Find("input[data-testid=share-permission-0]").GetAttribute("value"));
        DialogProvider.Find("[data-testid=save-shares]").Click();

        DialogProvider.WaitForAssertion(() => Assert.Empty(DialogProvider.FindAll("[data-testid=share-playbook-dialog]")));
        var visible = Assert.Single(await Playbooks.ListAsync(ViewerOf(carol)));
        Assert.Equal(playbook.Id, visible.Id);
        Assert.False(visible.CanManage);
        Assert.Equal([new PlaybookShareRow(carol.Id, carol.Upn, null, PlaybookPermission.Use)], await Playbooks.SharesAsync(ViewerOf(bob), playbook.Id));
    }

    [Fact]
    public async Task SharingWithAnUnknownUser_SaysSo_AndAddsNoGrant()
    {
        var (bob, _, _) = await ThreeOperatorsAsync();
        var playbook = await AddPlaybookAsync(bob, "Bob's Logic App");
        var tab = RenderTabAs(bob);
        ClickMenuItem(tab, playbook.Id, "share-playbook");
        DialogProvider.WaitForAssertion(() => Assert.NotEmpty(DialogProvider.FindAll("input[data-testid=share-user]")));

        DialogProvider.Find("input[data-testid=share-user]").Input("nobody@contoso.com");
        DialogProvider.Find("[data-testid=add-share-user]").Click();

        DialogProvider.WaitForAssertion(() => Assert.Contains("no active portal user", FieldError(DialogProvider, "share-user")));
        Assert.NotEmpty(DialogProvider.FindAll("[data-testid=no-shares]"));
    }

    [Fact]
    public async Task Deleting_WarnsWithTheLinkedPoliciesNames_AndUnlinksThem()
    {
        var (bob, _, _) = await ThreeOperatorsAsync();
        var doomed = await AddPlaybookAsync(bob, "Old Logic App");
        var kept = await AddPlaybookAsync(bob, "New Logic App");
        var policy = await CreatePolicyAsync("Mass download", doomed.Id, kept.Id);
        var tab = RenderTabAs(bob);
        Assert.Equal("1", Cell(Row(tab, doomed.Id), "Linked policies"));

        ClickMenuItem(tab, doomed.Id, "delete-playbook");

        DialogProvider.WaitForAssertion(() => Assert.NotEmpty(DialogProvider.FindAll("[data-testid=confirm-delete-playbook]")));
        Assert.Equal(["Mass download"], DialogProvider.FindAll("[data-testid=delete-playbook-policies] li").Select(li => li.TextContent.Trim()));
        Assert.Contains("will be unlinked", DialogProvider.Markup);
        Assert.NotNull(await Playbooks.GetAsync(ViewerOf(bob), doomed.Id));   // nothing happens before the answer

        DialogProvider.Find("[data-testid=confirm-delete-playbook]").Click();

        tab.WaitForAssertion(() => Assert.Equal(["New Logic App"], Names(tab)));
        Assert.Null(await Playbooks.GetAsync(ViewerOf(bob), doomed.Id));
        var stored = await Policies.GetAsync(policy.Id);
        Assert.Equal([kept.Id], stored!.Playbooks.Select(l => l.PlaybookId));
        Assert.Contains("Playbook \"Old Logic App\" deleted.", SnackbarProvider.Markup.Replace("&quot;", "\""));
    }

    [Fact]
    public async Task CancellingTheDelete_KeepsThePlaybookAndItsLinks()
    {
        var (bob, _, _) = await ThreeOperatorsAsync();
        var playbook = await AddPlaybookAsync(bob, "Old Logic App");
        var policy = await CreatePolicyAsync("Mass download", playbook.Id);
        var tab = RenderTabAs(bob);
        ClickMenuItem(tab, playbook.Id, "delete-playbook");
        DialogProvider.WaitForAssertion(() => Assert.NotEmpty(DialogProvider.FindAll("[data-testid=cancel-delete-playbook]")));

        DialogProvider.Find("[data-testid=cancel-delete-playbook]").Click();

        DialogProvider.WaitForAssertion(() => Assert.Empty(DialogProvider.FindAll(".mud-dialog")));
        Assert.Equal(["Old Logic App"], Names(tab));
        Assert.Equal([playbook.Id], (await Policies.GetAsync(policy.Id))!.Playbooks.Select(l => l.PlaybookId));
    }

    [Fact]
    public async Task Renaming_InTheRow_SavesTheNewName()
    {
        var (bob, _, _) = await ThreeOperatorsAsync();
        var playbook = await AddPlaybookAsync(bob, "Logic App");
        var tab = RenderTabAs(bob);

        ClickMenuItem(tab, playbook.Id, "rename-playbook");
        tab.WaitForAssertion(() => Assert.NotEmpty(tab.FindAll($"input[data-testid=rename-input-{playbook.Id}]")));
        tab.Find($"input[data-testid=rename-input-{playbook.Id}]").Input("Close risky sign-ins");
        tab.Find($"[data-testid=save-rename-{playbook.Id}]").Click();

        tab.WaitForAssertion(() => Assert.Equal(["Close risky sign-ins"], Names(tab)));
        Assert.Equal("Close risky sign-ins", (await Playbooks.GetAsync(ViewerOf(bob), playbook.Id))!.Name);
    }

    [Fact]
    public async Task Disabling_ShowsDisabledWithTheReason_AndEnablingAgainClearsIt()
    {
        var (bob, _, _) = await ThreeOperatorsAsync();
        var playbook = await AddPlaybookAsync(bob, "Logic App");
        var tab = RenderTabAs(bob);

        ClickMenuItem(tab, playbook.Id, "toggle-playbook");

        tab.WaitForAssertion(() => Assert.StartsWith("Disabled", Cell(Row(tab, playbook.Id), "Status")));
        Assert.Equal("Disabled by bob@contoso.com", Row(tab, playbook.Id).QuerySelector("[data-testid=playbook-disabled-reason]")!.TextContent.Trim());
        Assert.False((await Playbooks.GetAsync(ViewerOf(bob), playbook.Id))!.IsEnabled);

        ClickMenuItem(tab, playbook.Id, "toggle-playbook");

        tab.WaitForAssertion(() => Assert.Equal("Enabled", Cell(Row(tab, playbook.Id), "Status")));
        Assert.True((await Playbooks.GetAsync(ViewerOf(bob), playbook.Id))!.IsEnabled);
    }

    [Fact]
    public async Task SendTestAlert_QueuesTheSamplePayloadForTheDispatcher_AndSaysSo()
    {
        var (bob, _, _) = await ThreeOperatorsAsync();
        var playbook = await AddPlaybookAsync(bob, "Logic App");
        var tab = RenderTabAs(bob);

        ClickMenuItem(tab, playbook.Id, "test-playbook");

        SnackbarProvider.WaitForAssertion(() => Assert.Contains("Test alert sent to \"Logic App\"", SnackbarProvider.Markup.Replace("&quot;", "\"")));
        await using var db = await Contexts.CreateDbContextAsync();
        var delivery = await db.Deliveries.AsNoTracking().SingleAsync();
        Assert.Equal((playbook.Id, null, DeliveryState.Pending), (delivery.PlaybookId, delivery.AlertId, delivery.State));
        Assert.Contains(PlaybookTestAlerts.SampleAlertId, delivery.Payload);
        Assert.Contains(await db.AuditEntries.Select(e => e.Action).ToListAsync(), a => a == "PlaybookTestAlertSent");
    }

    [Fact]
    public async Task RotatingTheSecret_ShowsTheNewSecretOnce()
    {
        var (bob, _, _) = await ThreeOperatorsAsync();
        var playbook = await AddPlaybookAsync(bob, "Logic App");
        var tab = RenderTabAs(bob);

        ClickMenuItem(tab, playbook.Id, "rotate-playbook");
        DialogProvider.WaitForAssertion(() => Assert.Contains(DialogProvider.FindAll(".mud-dialog button"), b => b.TextContent.Trim() == "Rotate"));
        DialogProvider.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == "Rotate").Click();

        DialogProvider.WaitForAssertion(() => Assert.NotEmpty(DialogProvider.FindAll("[data-testid=playbook-secret]")));
        var secret = DialogProvider.Find("[data-testid=playbook-secret]").TextContent.Trim();
        Assert.StartsWith("whsec_", secret);
        Assert.NotEmpty(DialogProvider.FindAll("[data-testid=playbook-secret-rotated]"));
        await using (var db = await Contexts.CreateDbContextAsync())
        {
            var stored = await db.Playbooks.AsNoTracking().SingleAsync();
            Assert.Equal(secret, Secrets.Unprotect(stored.SigningSecretEncrypted));
            Assert.NotNull(stored.PreviousSigningSecretEncrypted);
        }

        DialogProvider.Find("[data-testid=playbook-secret-close]").Click();
        DialogProvider.WaitForAssertion(() => Assert.Empty(DialogProvider.FindAll("[data-testid=playbook-secret-dialog]")));
        Assert.DoesNotContain(secret["whsec_".Length..], AllMarkup(tab));
    }

    private async Task<(User Bob, User Carol, User Dave)> ThreeOperatorsAsync() => (
        await Users.AddOrUpdateAsync("bob@contoso.com", PortalRole.SecurityOperator, "test"),
        await Users.AddOrUpdateAsync("carol@contoso.com", PortalRole.SecurityOperator, "test"),
        await Users.AddOrUpdateAsync("dave@contoso.com", PortalRole.SecurityOperator, "test"));

    private Task<Policy> CreatePolicyAsync(string name, params Guid[] playbookIds) =>
        Policies.CreateAsync(new PolicyDraft
        {
            Name = name,
            Conditions = [new ConditionDraft { Field = ActivityFields.ActivityType, Operator = ConditionOperator.Equals, Values = ["FileDownload"] }],
            AlertSettings = new PolicyAlertSettingsDraft { PlaybookIds = [.. playbookIds] },
        }, "grace@contoso.com");
}
