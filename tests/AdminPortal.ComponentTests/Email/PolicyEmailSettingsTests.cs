using AdminPortal.ComponentTests.Policies;
using AdminPortal.Core.Features.Email;
using AdminPortal.Core.Features.Policies;
// The component, not Core's record of the same name.
using AdminPortal.Web.Features.Email;
using AdminPortal.Web.Features.Policies;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace AdminPortal.ComponentTests.Email;

/// <summary>
/// "Send alert as email" in a policy's settings: off-limits with a hint while the portal has no SMTP server, the
/// recipients' rules, and the policy's e-mail counts in the settings dialog and on the edit page.
/// </summary>
public sealed class PolicyEmailSettingsTests : PoliciesComponentTest
{
    [Fact]
    public async Task WithoutAnSmtpHost_TheSendEmailBoxIsDisabled_AndAHintLinksToTheEmailSettings()
    {
        EmailSettings.Host = null;
        await SignInAsAdminAsync();
        var policy = await CreatePolicyAsync("Mass download");

        await ShowSettingsAsync(policy.Id);

        Assert.True(DialogProvider.Find("input[data-testid=send-email]").HasAttribute("disabled"));
        var hint = DialogProvider.Find("[data-testid=email-not-configured]");
        Assert.Equal("E-mail is not set up on this portal: set Email:Host and Email:From in its configuration. See Settings → E-mail.",
            Normalize(hint.TextContent));
        Assert.Equal("/settings/email", hint.QuerySelector("a")!.GetAttribute("href"));
    }

    [Fact]
    public async Task WithAnSmtpHostAndSender_TheSendEmailBoxIsEnabled_AndThereIsNoHint()
    {
        await SignInAsAdminAsync();
        var policy = await CreatePolicyAsync("Mass download");

        await ShowSettingsAsync(policy.Id);

        Assert.False(DialogProvider.Find("input[data-testid=send-email]").HasAttribute("disabled"));
        Assert.Empty(DialogProvider.FindAll("[data-testid=email-not-configured]"));
        DialogProvider.Find("input[data-testid=send-email]").Change(true);
        DialogProvider.WaitForAssertion(() => Assert.NotEmpty(DialogProvider.FindAll("textarea[data-testid=email-recipients]")));
    }

    [Fact]
    public async Task WithoutAnSmtpHost_APolicyThatSendsEmail_KeepsItsRecipients_AndCanTurnItOff()
    {
        EmailSettings.Host = null;
        await SignInAsAdminAsync();
        var policy = await CreatePolicyAsync("Mass download");
        await Policies.UpdateAlertSettingsAsync(policy.Id, policy.Severity,
            new PolicyAlertSettingsDraft { SendEmail = true, EmailRecipients = ["soc@contoso.com"] }, null, "grace@contoso.com");

        await ShowSettingsAsync(policy.Id);

        Assert.False(DialogProvider.Find("input[data-testid=send-email]").HasAttribute("disabled"));
        Assert.NotEmpty(DialogProvider.FindAll("[data-testid=email-not-configured]"));
        Assert.Equal("soc@contoso.com", DialogProvider.Find("textarea[data-testid=email-recipients]").TextContent.Trim());

        DialogProvider.Find("input[data-testid=send-email]").Change(false);
        DialogProvider.WaitForAssertion(() => Assert.Empty(DialogProvider.FindAll("textarea[data-testid=email-recipients]")));
        Assert.True(DialogProvider.Find("input[data-testid=send-email]").HasAttribute("disabled"));
        DialogProvider.Find("[data-testid=save-policy-settings]").Click();
        DialogProvider.WaitForAssertion(() => Assert.Empty(DialogProvider.FindAll("[data-testid=policy-settings-dialog]")));
        Assert.False((await StoredPolicyAsync(policy.Id)).AlertSettings.SendEmail);
    }

    [Fact]
    public async Task TheCounts_AreTodaysAndAllTimeAlertEmails_ByState()
    {
        await SignInAsAdminAsync();
        var policy = await CreatePolicyAsync("Mass download");
        var other = await CreatePolicyAsync("Failed log-ons");
        var today = DateOnly.FromDateTime(Time.GetUtcNow().UtcDateTime);
        await AddEmailsAsync(policy.Id, today, AlertEmailState.Sent, 2);
        await AddEmailsAsync(policy.Id, today, AlertEmailState.Failed, 1);
        await AddEmailsAsync(policy.Id, today, AlertEmailState.Suppressed, 3);
        await AddEmailsAsync(policy.Id, today, AlertEmailState.Pending, 1);
        await AddEmailsAsync(policy.Id, today, AlertEmailState.Sending, 1);
        await AddEmailsAsync(policy.Id, today.AddDays(-1), AlertEmailState.Sent, 4);
        await AddEmailsAsync(policy.Id, today.AddDays(-3), AlertEmailState.Failed, 1);
        // Not this policy's alert e-mail: a summary of the daily limit, and another policy's message.
        await AddEmailsAsync(policy.Id, today, AlertEmailState.Sent, 1, AlertEmailKind.Summary);
        await AddEmailsAsync(other.Id, today, AlertEmailState.Sent, 5);

        var counts = Render<PolicyEmailTally>(parameters => parameters.Add(c => c.PolicyId, policy.Id));

        counts.WaitForAssertion(() => Assert.NotEmpty(counts.FindAll("[data-testid=email-counts]")));
        Assert.Equal("E-mail today (UTC): 2 sent · 1 failed · 3 held back by the daily limit · 2 waiting",
            counts.Find("[data-testid=email-counts-today]").TextContent.Trim());
        Assert.Equal("Since it began: 6 sent · 2 failed · 3 held back by the daily limit · 2 waiting",
            counts.Find("[data-testid=email-counts-all-time]").TextContent.Trim());
    }

    [Fact]
    public async Task TheCounts_ShowForAPolicyThatSendsEmail_AndNotForOneThatNeverDid()
    {
        await SignInAsAdminAsync();
        var policy = await CreatePolicyAsync("Mass download");

        var silent = Render<PolicyEmailTally>(parameters => parameters.Add(c => c.PolicyId, policy.Id));
        var sending = Render<PolicyEmailTally>(parameters => parameters.Add(c => c.PolicyId, policy.Id).Add(c => c.SendsEmail, true));
        var unsaved = Render<PolicyEmailTally>(parameters => parameters.Add(c => c.PolicyId, null).Add(c => c.SendsEmail, true));

        sending.WaitForAssertion(() => Assert.Equal("E-mail today (UTC): 0 sent · 0 failed · 0 held back by the daily limit · 0 waiting",
            sending.Find("[data-testid=email-counts-today]").TextContent.Trim()));
        Assert.Empty(silent.FindAll("[data-testid=email-counts]"));
        Assert.Empty(unsaved.FindAll("[data-testid=email-counts]"));
    }

    [Fact]
    public async Task TheSettingsDialog_ShowsThePolicysEmailCounts()
    {
        await SignInAsAdminAsync();
        var policy = await CreatePolicyAsync("Mass download");
        await AddEmailsAsync(policy.Id, DateOnly.FromDateTime(Time.GetUtcNow().UtcDateTime), AlertEmailState.Sent, 12);

        await ShowSettingsAsync(policy.Id);

        DialogProvider.WaitForAssertion(() => Assert.Equal("E-mail today (UTC): 12 sent · 0 failed · 0 held back by the daily limit · 0 waiting",
            DialogProvider.Find("[data-testid=email-counts-today]").TextContent.Trim()));
    }

    [Fact]
    public async Task TheEditPage_ShowsThePolicysEmailCounts_AndANewPolicyNone()
    {
        await SignInAsAdminAsync();
        var policy = await CreatePolicyAsync("Mass download");
        await AddEmailsAsync(policy.Id, DateOnly.FromDateTime(Time.GetUtcNow().UtcDateTime).AddDays(-2), AlertEmailState.Failed, 1);

        var edit = Render<PolicyEditPage>(parameters => parameters.Add(p => p.Id, policy.Id));
        edit.WaitForAssertion(() => Assert.Equal("Since it began: 0 sent · 1 failed · 0 held back by the daily limit · 0 waiting",
            edit.Find("[data-testid=email-counts-all-time]").TextContent.Trim()));

        var create = Render<PolicyEditPage>();
        create.WaitForAssertion(() => Assert.NotEmpty(create.FindAll("[data-testid=send-email]")));
        Assert.Empty(create.FindAll("[data-testid=email-counts]"));
    }

    /// <summary>Alert e-mail rows as the outbox writes them, straight into the database.</summary>
    private async Task AddEmailsAsync(string policyId, DateOnly day, AlertEmailState state, int count, AlertEmailKind kind = AlertEmailKind.Alert)
    {
        await using var db = await Contexts.CreateDbContextAsync();
        for (var i = 0; i < count; i++)
        {
            db.AlertEmails.Add(new AlertEmail
            {
                Kind = kind,
                PolicyId = policyId,
                Recipient = $"analyst{i}@contoso.com",
                Day = day,
                State = state,
                CreatedAt = Time.GetUtcNow(),
                NextAttemptAt = Time.GetUtcNow(),
            });
        }
        await db.SaveChangesAsync();
    }

    /// <summary>Shows the dialog as the policies page does.</summary>
    private async Task ShowSettingsAsync(string policyId)
    {
        var dialogs = Services.GetRequiredService<IDialogService>();
        await DialogProvider.InvokeAsync(() => dialogs.ShowAsync<PolicySettingsDialog>("Settings",
            new DialogParameters<PolicySettingsDialog> { { d => d.PolicyId, policyId }, { d => d.Actor, "grace@contoso.com" } },
            new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true }));
        DialogProvider.WaitForAssertion(() => Assert.NotEmpty(DialogProvider.FindAll("[data-testid=alerts-today]")));
    }

    private static string Normalize(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
