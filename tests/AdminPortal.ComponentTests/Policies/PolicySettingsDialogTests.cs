using AdminPortal.Core.Features.Alerts;
using AdminPortal.Core.Features.Playbooks;
using AdminPortal.Core.Features.Policies;
using AdminPortal.Core.Features.Users;
using AdminPortal.Web.Features.Policies;
using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace AdminPortal.ComponentTests.Policies;

/// <summary>The gear's settings dialog: severity, the Alerts section, today's counts, validation and conflicts.</summary>
public sealed class PolicySettingsDialogTests : PoliciesComponentTest
{
    [Fact]
    public async Task TheDialog_ShowsTheCurrentSettings_AndTodaysAlertedAndSuppressedCounts()
    {
        await SignInAsAdminAsync();
        var policy = await CreatePolicyAsync("Mass download", severity: AlertSeverity.High);
        await AddDailyCountAsync(policy.Id, alerts: 5, suppressed: 3);
        var page = Render<PoliciesPage>();

        OpenSettings(page, policy.Id);

        Assert.Equal("Alerts today: 5, suppressed today: 3", DialogProvider.Find("[data-testid=alerts-today]").TextContent.Trim());
        Assert.Equal("High", DialogProvider.Find("input[data-testid=settings-severity]").GetAttribute("value"));
        Assert.Equal("5", DialogProvider.Find("input[data-testid=daily-alert-limit]").GetAttribute("value"));
        Assert.Contains("Create an alert for each matching event with the policy's severity", DialogProvider.Markup.Replace("&#x27;", "'"));
        Assert.Empty(DialogProvider.FindAll("[data-testid=email-recipients]"));
        // A policy without playbooks: the box is there, unticked, and no picker.
        Assert.NotEmpty(DialogProvider.FindAll("input[data-testid=send-to-playbooks]"));
        Assert.Empty(DialogProvider.FindAll("[data-testid=playbook-picker]"));
    }

    [Fact]
    public async Task SavingSeverityAndDailyLimit_StoresThem_ClosesTheDialog_AndTheListShowsThem()
    {
        await SignInAsAdminAsync();
        var policy = await CreatePolicyAsync("Mass download", severity: AlertSeverity.Medium);
        var page = Render<PoliciesPage>();
        OpenSettings(page, policy.Id);

        Choose(DialogProvider, "settings-severity", "High");
        Choose(DialogProvider, "daily-alert-limit", "200");
        DialogProvider.Find("[data-testid=save-policy-settings]").Click();

        DialogProvider.WaitForAssertion(() => Assert.Empty(DialogProvider.FindAll("[data-testid=policy-settings-dialog]")));
        var stored = await StoredPolicyAsync(policy.Id);
        Assert.Equal(AlertSeverity.High, stored.Severity);
        Assert.Equal(200, stored.AlertSettings.DailyAlertLimit);
        Assert.Equal("grace@contoso.com", stored.ModifiedBy);
        page.WaitForAssertion(() => Assert.Equal("High", page.Find($"[data-testid=policy-row-{policy.Id}] [data-testid=policy-severity]").TextContent.Trim()));
        Assert.Contains("Settings of \"Mass download\" saved.", Snackbars);
    }

    [Fact]
    public async Task SaveAsDefault_StoresTheFormsAlertSettingsForNewPolicies_AndRestoreDefault_PutsThemBackInTheForm()
    {
        await SignInAsAdminAsync();
        var policy = await CreatePolicyAsync("Mass download", severity: AlertSeverity.Medium);
        var other = await CreatePolicyAsync("Failed log-ons", severity: AlertSeverity.Low);
        var page = Render<PoliciesPage>();
        OpenSettings(page, policy.Id);

        Choose(DialogProvider, "daily-alert-limit", "200");
        DialogProvider.Find("[data-testid=save-default-settings]").Click();

        DialogProvider.WaitForAssertion(() => Assert.Contains("Saved as the default alert settings for new policies.", Snackbars));
        Assert.Equal(200, (await Defaults.GetAsync()).DailyAlertLimit);
        // Saving the defaults does not save this policy.
        Assert.Equal(5, (await StoredPolicyAsync(policy.Id)).AlertSettings.DailyAlertLimit);
        DialogProvider.Find("[data-testid=save-policy-settings]").Click();
        DialogProvider.WaitForAssertion(() => Assert.Empty(DialogProvider.FindAll("[data-testid=policy-settings-dialog]")));

        // Another policy: its own limit in the form until "Restore default settings".
        OpenSettings(page, other.Id);
        Assert.Equal("5", DialogProvider.Find("input[data-testid=daily-alert-limit]").GetAttribute("value"));
        DialogProvider.Find("[data-testid=restore-default-settings]").Click();
        DialogProvider.WaitForAssertion(() => Assert.Equal("200", DialogProvider.Find("input[data-testid=daily-alert-limit]").GetAttribute("value")));
        Assert.Equal(5, (await StoredPolicyAsync(other.Id)).AlertSettings.DailyAlertLimit);
    }

    [Fact]
    public async Task SendingEmail_SavesTheRecipientsOnePerLine()
    {
        await SignInAsAdminAsync();
        var policy = await CreatePolicyAsync("Mass download");
        var page = Render<PoliciesPage>();
        OpenSettings(page, policy.Id);

        DialogProvider.Find("input[data-testid=send-email]").Change(true);
        DialogProvider.WaitForAssertion(() => Assert.NotEmpty(DialogProvider.FindAll("textarea[data-testid=email-recipients]")));
        DialogProvider.Find("textarea[data-testid=email-recipients]").Input("soc@contoso.com\nciso@contoso.com; oncall@contoso.com\n");
        DialogProvider.Find("[data-testid=save-policy-settings]").Click();

        DialogProvider.WaitForAssertion(() => Assert.Empty(DialogProvider.FindAll("[data-testid=policy-settings-dialog]")));
        var stored = await StoredPolicyAsync(policy.Id);
        Assert.True(stored.AlertSettings.SendEmail);
        Assert.Equal(["soc@contoso.com", "ciso@contoso.com", "oncall@contoso.com"], stored.AlertSettings.EmailRecipients);
    }

    [Fact]
    public async Task AMalformedRecipient_IsShownOnTheRecipientsField_AndNothingIsSaved()
    {
        await SignInAsAdminAsync();
        var policy = await CreatePolicyAsync("Mass download");
        var page = Render<PoliciesPage>();
        OpenSettings(page, policy.Id);
        DialogProvider.Find("input[data-testid=send-email]").Change(true);
        DialogProvider.WaitForAssertion(() => Assert.NotEmpty(DialogProvider.FindAll("textarea[data-testid=email-recipients]")));

        DialogProvider.Find("textarea[data-testid=email-recipients]").Input("soc@contoso.com\nsoc at contoso");
        DialogProvider.Find("[data-testid=save-policy-settings]").Click();

        DialogProvider.WaitForAssertion(() => Assert.Contains("'soc at contoso' is not an e-mail address.",
            FieldError(DialogProvider, "email-recipients").Replace("&#x27;", "'")));
        Assert.NotEmpty(DialogProvider.FindAll("[data-testid=policy-settings-dialog]"));
        var stored = await StoredPolicyAsync(policy.Id);
        Assert.False(stored.AlertSettings.SendEmail);
        Assert.Empty(stored.AlertSettings.EmailRecipients);
        Assert.Equal(policy.Version, stored.Version);
    }

    [Fact]
    public async Task FiftyOneRecipients_AreRefusedOnTheField_AndFiftyAreSaved()
    {
        await SignInAsAdminAsync();
        var policy = await CreatePolicyAsync("Mass download");
        var page = Render<PoliciesPage>();
        OpenSettings(page, policy.Id);
        DialogProvider.Find("input[data-testid=send-email]").Change(true);
        DialogProvider.WaitForAssertion(() => Assert.NotEmpty(DialogProvider.FindAll("textarea[data-testid=email-recipients]")));
        var recipients = Enumerable.Range(1, 51).Select(i => $"analyst{i}@contoso.com").ToList();

        DialogProvider.Find("textarea[data-testid=email-recipients]").Input(string.Join("\n", recipients));
        DialogProvider.Find("[data-testid=save-policy-settings]").Click();

        DialogProvider.WaitForAssertion(() => Assert.Contains("At most 50 recipients.", FieldError(DialogProvider, "email-recipients")));
        Assert.Empty((await StoredPolicyAsync(policy.Id)).AlertSettings.EmailRecipients);

        DialogProvider.Find("textarea[data-testid=email-recipients]").Input(string.Join("\n", recipients.Take(50)));
        DialogProvider.WaitForAssertion(() => Assert.Equal("", FieldError(DialogProvider, "email-recipients")));
        DialogProvider.Find("[data-testid=save-policy-settings]").Click();
        DialogProvider.WaitForAssertion(() => Assert.Empty(DialogProvider.FindAll("[data-testid=policy-settings-dialog]")));
        Assert.Equal(50, (await StoredPolicyAsync(policy.Id)).AlertSettings.EmailRecipients.Count);
    }

    [Fact]
    public async Task AChangeSavedWhileTheDialogIsOpen_IsAConflictShownInTheDialog_AndNothingIsOverwritten()
    {
        await SignInAsAdminAsync();
        var policy = await CreatePolicyAsync("Mass download", severity: AlertSeverity.Medium);
        var page = Render<PoliciesPage>();
        OpenSettings(page, policy.Id);
        Choose(DialogProvider, "settings-severity", "Low");
        await Policies.UpdateAlertSettingsAsync(policy.Id, AlertSeverity.High, new PolicyAlertSettingsDraft { DailyAlertLimit = 20 }, policy.Version, "ada@contoso.com");

        DialogProvider.Find("[data-testid=save-policy-settings]").Click();

        DialogProvider.WaitForAssertion(() => Assert.Contains("Someone else changed this policy (by ada@contoso.com at 2026-11-27 09:00 UTC).",
            DialogProvider.Find("[data-testid=policy-settings-conflict]").TextContent));
        Assert.Equal("Low", DialogProvider.Find("input[data-testid=settings-severity]").GetAttribute("value"));
        var stored = await StoredPolicyAsync(policy.Id);
        Assert.Equal((AlertSeverity.High, 20), (stored.Severity, stored.AlertSettings.DailyAlertLimit));

        DialogProvider.Find("[data-testid=load-their-settings]").Click();
        DialogProvider.WaitForAssertion(() => Assert.Equal("High", DialogProvider.Find("input[data-testid=settings-severity]").GetAttribute("value")));
        Assert.Equal("20", DialogProvider.Find("input[data-testid=daily-alert-limit]").GetAttribute("value"));
    }

    [Fact]
    public async Task SendingAlertsToPowerAutomate_WithAPickedPlaybook_LinksIt()
    {
        var grace = await SignInAsAdminAsync();
        var bob = await Users.AddOrUpdateAsync("bob@contoso.com", PortalRole.SecurityOperator, "test");
        var flow = await AddPlaybookAsync(bob, "Isolate device");
        await AddPlaybookAsync(grace, "Notify the SOC");
        var policy = await CreatePolicyAsync("Mass download");
        var page = Render<PoliciesPage>();
        OpenSettings(page, policy.Id);

        DialogProvider.Find("input[data-testid=send-to-playbooks]").Change(true);
        DialogProvider.WaitForAssertion(() => Assert.NotEmpty(DialogProvider.FindAll("input[data-testid=playbook-picker]")));
        Assert.Equal("/settings/security-extensions?tab=playbooks", DialogProvider.Find("[data-testid=create-playbook-link]").GetAttribute("href"));
        Assert.Equal("/connector/apiDefinition.swagger.json", DialogProvider.Find("[data-testid=connector-link]").GetAttribute("href"));
        Choose(DialogProvider, "playbook-picker", "Isolate device");
        DialogProvider.Find("[data-testid=save-policy-settings]").Click();

        DialogProvider.WaitForAssertion(() => Assert.Empty(DialogProvider.FindAll("[data-testid=policy-settings-dialog]")));
        var stored = await Policies.GetAsync(policy.Id);
        Assert.Equal([flow.Id], stored!.Playbooks.Select(l => l.PlaybookId));
        await using var db = await Contexts.CreateDbContextAsync();
        var audit = await db.AuditEntries.SingleAsync(e => e.Action == "PlaybookLinked");
        Assert.Equal(("grace@contoso.com", flow.Id.ToString()), (audit.Actor, audit.TargetId));
    }

    [Fact]
    public async Task ThePicker_OffersOnlyThePlaybooksTheUserMayUse()
    {
        // Only admins open the dialog from the list today, and they may use every playbook; the picker still lists
        // by the signed-in user's own rights, which this checks for an operator.
        var (bob, carol, dave) = await ThreeOperatorsAsync(signInAs: "bob");
        await AddPlaybookAsync(bob, "Bob's flow");
        var shared = await AddPlaybookAsync(carol, "Carol's n8n");
        await Playbooks.ShareAsync(ViewerOf(carol), shared.Id, [new PlaybookGrant(bob.Id, null, PlaybookPermission.Use)]);
        await AddPlaybookAsync(dave, "Dave's Node-RED");
        var policy = await CreatePolicyAsync("Mass download");
        await ShowSettingsAsync(policy.Id, bob.Upn);

        DialogProvider.Find("input[data-testid=send-to-playbooks]").Change(true);
        DialogProvider.WaitForAssertion(() => Assert.NotEmpty(DialogProvider.FindAll("input[data-testid=playbook-picker]")));
        DialogProvider.Find("input[data-testid=playbook-picker]").Closest(".mud-input-control")!.MouseDown();

        PopoverProvider.WaitForAssertion(() => Assert.NotEmpty(PopoverProvider.FindAll(".mud-list-item")));
        Assert.Equal(["Bob's flow", "Carol's n8n"], PopoverProvider.FindAll(".mud-list-item").Select(i => i.TextContent.Trim()));
        Assert.DoesNotContain("Dave", PopoverProvider.Markup + DialogProvider.Markup);
    }

    [Fact]
    public async Task ALinkTheUserCannotSee_IsKept_WhenTheyAddTheirOwn()
    {
        var (bob, _, dave) = await ThreeOperatorsAsync(signInAs: "bob");
        var own = await AddPlaybookAsync(bob, "Bob's flow");
        var hidden = await AddPlaybookAsync(dave, "Dave's Node-RED");
        var policy = await CreatePolicyAsync("Mass download");
        await Policies.UpdateAlertSettingsAsync(policy.Id, policy.Severity, new PolicyAlertSettingsDraft { PlaybookIds = [hidden.Id] }, null, "dave@contoso.com");
        await ShowSettingsAsync(policy.Id, bob.Upn);

        DialogProvider.WaitForAssertion(() => Assert.NotEmpty(DialogProvider.FindAll("input[data-testid=playbook-picker]")));
        Assert.Contains("Also sends to 1 playbook not shared with you", DialogProvider.Find("[data-testid=hidden-playbooks]").TextContent);
        Assert.DoesNotContain("Dave's Node-RED", DialogProvider.Markup);
        Choose(DialogProvider, "playbook-picker", "Bob's flow");
        DialogProvider.Find("[data-testid=save-policy-settings]").Click();

        DialogProvider.WaitForAssertion(() => Assert.Empty(DialogProvider.FindAll("[data-testid=policy-settings-dialog]")));
        var stored = await Policies.GetAsync(policy.Id);
        Assert.Equal(new[] { hidden.Id, own.Id }.Order(), stored!.Playbooks.Select(l => l.PlaybookId).Order());
    }

    [Fact]
    public async Task UntickingSendToPowerAutomate_UnlinksEveryPlaybook()
    {
        var grace = await SignInAsAdminAsync();
        var flow = await AddPlaybookAsync(grace, "Notify the SOC");
        var policy = await CreatePolicyAsync("Mass download");
        await Policies.UpdateAlertSettingsAsync(policy.Id, policy.Severity, new PolicyAlertSettingsDraft { PlaybookIds = [flow.Id] }, null, "grace@contoso.com");
        var page = Render<PoliciesPage>();
        OpenSettings(page, policy.Id);
        DialogProvider.WaitForAssertion(() => Assert.Equal("Notify the SOC", DialogProvider.Find("input[data-testid=playbook-picker]").GetAttribute("value")));

        DialogProvider.Find("input[data-testid=send-to-playbooks]").Change(false);
        DialogProvider.WaitForAssertion(() => Assert.Empty(DialogProvider.FindAll("[data-testid=playbook-picker]")));
        DialogProvider.Find("[data-testid=save-policy-settings]").Click();

        DialogProvider.WaitForAssertion(() => Assert.Empty(DialogProvider.FindAll("[data-testid=policy-settings-dialog]")));
        Assert.Empty((await Policies.GetAsync(policy.Id))!.Playbooks);
    }

    [Fact]
    public async Task APickedPlaybookNoLongerSharedAtSave_IsAnError_AndNothingIsSaved()
    {
        var (bob, carol, _) = await ThreeOperatorsAsync(signInAs: "bob");
        var shared = await AddPlaybookAsync(carol, "Carol's n8n");
        await Playbooks.ShareAsync(ViewerOf(carol), shared.Id, [new PlaybookGrant(bob.Id, null, PlaybookPermission.Use)]);
        var policy = await CreatePolicyAsync("Mass download", severity: AlertSeverity.Medium);
        await ShowSettingsAsync(policy.Id, bob.Upn);
        DialogProvider.Find("input[data-testid=send-to-playbooks]").Change(true);
        DialogProvider.WaitForAssertion(() => Assert.NotEmpty(DialogProvider.FindAll("input[data-testid=playbook-picker]")));
        Choose(DialogProvider, "playbook-picker", "Carol's n8n");
        Choose(DialogProvider, "settings-severity", "High");
        await Playbooks.ShareAsync(ViewerOf(carol), shared.Id, []);

        DialogProvider.Find("[data-testid=save-policy-settings]").Click();

        DialogProvider.WaitForAssertion(() => Assert.Contains("no longer shared with you", FieldError(DialogProvider, "playbook-picker")));
        Assert.NotEmpty(DialogProvider.FindAll("[data-testid=policy-settings-dialog]"));
        var stored = await Policies.GetAsync(policy.Id);
        Assert.Empty(stored!.Playbooks);
        Assert.Equal((AlertSeverity.Medium, policy.Version), (stored.Severity, stored.Version));
    }

    private async Task<(User Bob, User Carol, User Dave)> ThreeOperatorsAsync(string signInAs)
    {
        var bob = await Users.AddOrUpdateAsync("bob@contoso.com", PortalRole.SecurityOperator, "test");
        var carol = await Users.AddOrUpdateAsync("carol@contoso.com", PortalRole.SecurityOperator, "test");
        var dave = await Users.AddOrUpdateAsync("dave@contoso.com", PortalRole.SecurityOperator, "test");
        await SignInAsync($"{signInAs}@contoso.com", PortalRole.SecurityOperator);
        return (bob, carol, dave);
    }

    private static PlaybookViewer ViewerOf(User user) => new(user.Id, user.Upn, user.Role);

    private async Task<PlaybookRow> AddPlaybookAsync(User owner, string name) =>
        (await Playbooks.CreateWebhookAsync(ViewerOf(owner), new WebhookPlaybookDraft { Name = name, Url = "https://hooks.example.com/alerts?sig=k3y" })).Playbook;

    /// <summary>Shows the dialog as the policies page does, for whoever is signed in.</summary>
    private async Task ShowSettingsAsync(string policyId, string actor)
    {
        var dialogs = Services.GetRequiredService<IDialogService>();
        await DialogProvider.InvokeAsync(() => dialogs.ShowAsync<PolicySettingsDialog>("Settings",
            new DialogParameters<PolicySettingsDialog> { { d => d.PolicyId, policyId }, { d => d.Actor, actor } },
            new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true }));
        DialogProvider.WaitForAssertion(() => Assert.NotEmpty(DialogProvider.FindAll("[data-testid=alerts-today]")));
    }

    private void OpenSettings(IRenderedComponent<PoliciesPage> page, string policyId)
    {
        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll($"[data-testid=policy-settings-{policyId}]")));
        // The page's handler awaits the dialog's result: Click(), not ClickAsync().
        page.Find($"[data-testid=policy-settings-{policyId}]").Click();
        DialogProvider.WaitForAssertion(() => Assert.NotEmpty(DialogProvider.FindAll("[data-testid=alerts-today]")));
    }
}
