using AdminPortal.Core.Features.Alerts;
using AdminPortal.Core.Features.Policies;
using AdminPortal.Web.Features.Policies;
using Bunit;

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
        Assert.DoesNotContain("Power Automate", DialogProvider.Markup);
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

    private void OpenSettings(IRenderedComponent<PoliciesPage> page, string policyId)
    {
        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll($"[data-testid=policy-settings-{policyId}]")));
        // The page's handler awaits the dialog's result: Click(), not ClickAsync().
        page.Find($"[data-testid=policy-settings-{policyId}]").Click();
        DialogProvider.WaitForAssertion(() => Assert.NotEmpty(DialogProvider.FindAll("[data-testid=alerts-today]")));
    }
}
