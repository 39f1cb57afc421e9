using AdminPortal.Core.Features.Alerts;
using AdminPortal.Core.Features.Policies;
using AdminPortal.Core.Features.Users;
using AdminPortal.Web.Features.Policies;
using Bunit;
using Microsoft.EntityFrameworkCore;

namespace AdminPortal.ComponentTests.Policies;

/// <summary>The policies list: tabs, filters, columns, who sees which actions, enable/disable and delete.</summary>
public sealed class PoliciesPageTests : PoliciesComponentTest
{
    [Fact]
    public async Task EachTab_ListsThePoliciesOfItsCategory_AndAllListsEveryPolicy()
    {
        await SignInAsAdminAsync();
        await CreatePolicyAsync("Mass download", PolicyCategory.ThreatDetection);
        await CreatePolicyAsync("Failed log-ons", PolicyCategory.ThreatDetection);
        await CreatePolicyAsync("Shared externally", PolicyCategory.InformationProtection);
        await CreatePolicyAsync("Risky country", PolicyCategory.ConditionalAccess);
        await CreatePolicyAsync("New cloud app", PolicyCategory.ShadowIT);

        var page = RenderPage();

        // Threat detection is the first tab and shown first.
        Assert.Equal(["Failed log-ons", "Mass download"], Names(page));
        ClickTab(page, "Information protection");
        page.WaitForAssertion(() => Assert.Equal(["Shared externally"], Names(page)));
        ClickTab(page, "Conditional access");
        page.WaitForAssertion(() => Assert.Equal(["Risky country"], Names(page)));
        ClickTab(page, "Shadow IT");
        page.WaitForAssertion(() => Assert.Equal(["New cloud app"], Names(page)));
        ClickTab(page, "All");
        page.WaitForAssertion(() => Assert.Equal(["Failed log-ons", "Mass download", "New cloud app", "Risky country", "Shared externally"], Names(page)));
    }

    [Fact]
    public async Task TheTabQueryParameter_OpensThatTab()
    {
        await SignInAsAdminAsync();
        await CreatePolicyAsync("Mass download", PolicyCategory.ThreatDetection);
        await CreatePolicyAsync("Shared externally", PolicyCategory.InformationProtection);

        Navigation.NavigateTo("/policies?tab=information-protection");
        var page = Render<PoliciesPage>();

        page.WaitForAssertion(() => Assert.Equal(["Shared externally"], Names(page)));
    }

    [Fact]
    public async Task ARow_ShowsNameDescriptionOpenAlertsSeverityActionModified_AndWhatTheDailyLimitSuppressed()
    {
        await SignInAsAdminAsync();
        var policy = await CreatePolicyAsync("Mass download", severity: AlertSeverity.High, description: "Many files in five minutes");
        await Policies.UpdateAlertSettingsAsync(policy.Id, AlertSeverity.High,
            new PolicyAlertSettingsDraft { DailyAlertLimit = 5, SendEmail = true, EmailRecipients = ["soc@contoso.com"] }, null, "ada@contoso.com");
        await AddAlertsAsync(policy.Id, open: 2, closed: 1);
        await AddDailyCountAsync(policy.Id, alerts: 5, suppressed: 3);

        var page = RenderPage();

        var row = page.Find($"[data-testid=policy-row-{policy.Id}]");
        Assert.Equal("Mass download", row.QuerySelector("[data-testid=policy-name]")!.TextContent.Trim());
        Assert.Contains("Many files in five minutes", Cell(row, "Policy"));
        var count = row.QuerySelector("[data-testid=policy-open-alerts]")!;
        Assert.Equal("2", count.TextContent.Trim());
        Assert.Equal($"/alerts?policy={policy.Id}", count.GetAttribute("href"));
        Assert.Equal("3 suppressed today", row.QuerySelector("[data-testid=policy-suppressed]")!.TextContent.Trim());
        Assert.Equal("High", Cell(row, "Severity"));
        Assert.Equal("Alert, Email", Cell(row, "Action"));
        Assert.Contains("2026-11-27 09:00 UTC", Cell(row, "Modified"));
        Assert.Contains("by ada@contoso.com", Cell(row, "Modified"));
    }

    [Fact]
    public async Task APolicyUnderItsDailyLimit_ShowsNothingSuppressed()
    {
        await SignInAsAdminAsync();
        var policy = await CreatePolicyAsync("Mass download");
        await AddDailyCountAsync(policy.Id, alerts: 2, suppressed: 0);

        var page = RenderPage();

        Assert.Empty(page.FindAll("[data-testid=policy-suppressed]"));
        Assert.Equal("0", page.Find("[data-testid=policy-open-alerts]").TextContent.Trim());
    }

    [Fact]
    public async Task FilteringByName_NarrowsTheList()
    {
        await SignInAsAdminAsync();
        await CreatePolicyAsync("Mass download");
        await CreatePolicyAsync("Mass deletion");
        await CreatePolicyAsync("Failed log-ons");
        var page = RenderPage();

        page.Find("input[data-testid=name-filter]").Input("mass");
        // The field is debounced (300 ms) on the portal's clock.
        Time.Advance(TimeSpan.FromSeconds(1));

        page.WaitForAssertion(() => Assert.Equal(["Mass deletion", "Mass download"], Names(page)));
    }

    [Fact]
    public async Task FilteringByStatus_ShowsOnlyEnabledOrDisabledPolicies()
    {
        await SignInAsAdminAsync();
        await CreatePolicyAsync("On duty");
        await CreatePolicyAsync("Paused", enabled: false);
        var page = RenderPage();
        Assert.Equal(["On duty", "Paused"], Names(page));
        Assert.Single(page.FindAll("[data-testid=policy-disabled]"));

        Choose(page, "status-filter", "Disabled");
        page.WaitForAssertion(() => Assert.Equal(["Paused"], Names(page)));

        Choose(page, "status-filter", "Enabled");
        page.WaitForAssertion(() => Assert.Equal(["On duty"], Names(page)));
    }

    [Fact]
    public async Task FilteringBySeverityAndType_CombinesBoth()
    {
        await SignInAsAdminAsync();
        await CreatePolicyAsync("High activity", severity: AlertSeverity.High);
        await CreatePolicyAsync("High file", type: PolicyType.File, severity: AlertSeverity.High);
        await CreatePolicyAsync("Low file", type: PolicyType.File, severity: AlertSeverity.Low);
        var page = RenderPage();

        Choose(page, "severity-filter", "High");
        page.WaitForAssertion(() => Assert.Equal(["High activity", "High file"], Names(page)));
        Choose(page, "type-filter", "File policy");

        page.WaitForAssertion(() => Assert.Equal(["High file"], Names(page)));
    }

    [Fact]
    public async Task TheCategoryFilter_IsOfferedOnTheAllTabOnly_AndNarrowsIt()
    {
        await SignInAsAdminAsync();
        await CreatePolicyAsync("Mass download", PolicyCategory.ThreatDetection);
        await CreatePolicyAsync("Shared externally", PolicyCategory.InformationProtection);
        var page = RenderPage();
        Assert.Empty(page.FindAll("[data-testid=category-filter]"));

        ClickTab(page, "All");
        page.WaitForAssertion(() => Assert.Equal(2, Names(page).Count));
        Choose(page, "category-filter", "Information protection");

        page.WaitForAssertion(() => Assert.Equal(["Shared externally"], Names(page)));
    }

    [Theory]
    [InlineData(PortalRole.SecurityReader)]
    [InlineData(PortalRole.SecurityOperator)]
    public async Task NonAdmins_SeeNoCreateNoTemplatesNoGear_AndOnlyViewAllAlertsInTheMenu(PortalRole role)
    {
        await SignInAsync("ada@contoso.com", role);
        var policy = await CreatePolicyAsync("Mass download");

        var page = RenderPage();

        Assert.Equal(["Mass download"], Names(page));
        Assert.Empty(page.FindAll("[data-testid=new-policy]"));
        Assert.Empty(page.FindAll("[data-testid=new-from-template]"));
        Assert.Empty(page.FindAll($"[data-testid=policy-settings-{policy.Id}]"));
        var items = OpenRowMenu(page, policy.Id);
        Assert.Equal(["View all alerts"], items);
        Assert.Equal($"/alerts?policy={policy.Id}", PopoverProvider.Find($"[data-testid=policy-alerts-{policy.Id}]").GetAttribute("href"));
        Assert.Empty(PopoverProvider.FindAll($"[data-testid=policy-edit-{policy.Id}]"));
    }

    [Fact]
    public async Task AnAdmin_SeesCreateTemplatesGearAndTheWholeMenu()
    {
        await SignInAsAdminAsync();
        var policy = await CreatePolicyAsync("Mass download");

        var page = RenderPage();

        Assert.Equal("/policies/new", page.Find("[data-testid=new-policy]").GetAttribute("href"));
        Assert.NotEmpty(page.FindAll($"[data-testid=policy-settings-{policy.Id}]"));
        Assert.Equal(["Edit", "View all alerts", "Disable", "Delete"], OpenRowMenu(page, policy.Id));
        Assert.Equal($"/policies/{policy.Id}/edit", PopoverProvider.Find($"[data-testid=policy-edit-{policy.Id}]").GetAttribute("href"));
    }

    [Fact]
    public async Task TheTemplateMenu_ListsEveryTemplate_LinkingToTheNewPolicyForm()
    {
        await SignInAsAdminAsync();
        var page = RenderPage();

        page.Find("[data-testid=new-from-template] button").Click();

        PopoverProvider.WaitForAssertion(() => Assert.Equal(PolicyTemplates.All.Count, PopoverProvider.FindAll("[data-testid^=template-]").Count));
        foreach (var template in PolicyTemplates.All)
        {
            var item = PopoverProvider.Find($"[data-testid=template-{template.Id}]");
            Assert.Equal($"/policies/new?template={template.Id}", item.GetAttribute("href"));
            Assert.Contains(template.Name, item.TextContent);
        }
    }

    [Fact]
    public async Task Disabling_ThenEnabling_TogglesThePolicy()
    {
        await SignInAsAdminAsync();
        var policy = await CreatePolicyAsync("Mass download");
        var page = RenderPage();

        ClickMenuItem(page, policy.Id, "Disable");

        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll($"[data-testid=policy-row-{policy.Id}] [data-testid=policy-disabled]")));
        Assert.False((await StoredPolicyAsync(policy.Id)).IsEnabled);
        Assert.Contains("Policy \"Mass download\" disabled.", Snackbars);

        ClickMenuItem(page, policy.Id, "Enable");

        page.WaitForAssertion(() => Assert.Empty(page.FindAll($"[data-testid=policy-row-{policy.Id}] [data-testid=policy-disabled]")));
        var stored = await StoredPolicyAsync(policy.Id);
        Assert.True(stored.IsEnabled);
        Assert.Equal("grace@contoso.com", stored.ModifiedBy);
        Assert.Contains("Policy \"Mass download\" enabled.", Snackbars);
    }

    [Fact]
    public async Task Deleting_AsksForConfirmation_ThenThePolicyDisappears_AndItsAlertsStay()
    {
        await SignInAsAdminAsync();
        var policy = await CreatePolicyAsync("Mass download");
        var kept = await CreatePolicyAsync("Failed log-ons");
        await AddAlertsAsync(policy.Id, open: 2, closed: 1);
        var page = RenderPage();

        ClickMenuItem(page, policy.Id, "Delete");

        DialogProvider.WaitForAssertion(() => Assert.Contains("Delete \"Mass download\"?", DialogProvider.Markup.Replace("&quot;", "\"")));
        Assert.Contains("Its alerts stay", DialogProvider.Markup);
        Assert.Null((await StoredPolicyAsync(policy.Id)).DeletedAt);   // nothing happens before the answer

        Button(DialogProvider, "Delete").Click();

        page.WaitForAssertion(() => Assert.Equal(["Failed log-ons"], Names(page)));
        Assert.Empty(page.FindAll($"[data-testid=policy-row-{policy.Id}]"));
        Assert.NotEmpty(page.FindAll($"[data-testid=policy-row-{kept.Id}]"));
        var stored = await StoredPolicyAsync(policy.Id);
        Assert.NotNull(stored.DeletedAt);
        Assert.Equal("grace@contoso.com", stored.DeletedBy);
        await using var db = await Contexts.CreateDbContextAsync();
        Assert.Equal(3, await db.Alerts.CountAsync(a => a.PolicyId == policy.Id));
        Assert.Contains("its alerts stay", Snackbars);
    }

    [Fact]
    public async Task CancellingTheDeleteConfirmation_KeepsThePolicy()
    {
        await SignInAsAdminAsync();
        var policy = await CreatePolicyAsync("Mass download");
        var page = RenderPage();
        ClickMenuItem(page, policy.Id, "Delete");
        DialogProvider.WaitForAssertion(() => Assert.NotEmpty(DialogProvider.FindAll(".mud-dialog button")));

        Button(DialogProvider, "Cancel").Click();

        DialogProvider.WaitForAssertion(() => Assert.Empty(DialogProvider.FindAll(".mud-dialog")));
        Assert.Equal(["Mass download"], Names(page));
        Assert.Null((await StoredPolicyAsync(policy.Id)).DeletedAt);
    }

    private IRenderedComponent<PoliciesPage> RenderPage()
    {
        var page = Render<PoliciesPage>();
        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("[data-testid=policy-grid]")));
        page.WaitForAssertion(() => Assert.Empty(page.FindAll(".mud-progress-linear")));
        return page;
    }

    private static List<string> Names(IRenderedComponent<PoliciesPage> page) =>
        page.FindAll("[data-testid^=policy-row-] [data-testid=policy-name]").Select(n => n.TextContent.Trim()).ToList();

    private static void ClickTab(IRenderedComponent<PoliciesPage> page, string title) =>
        page.FindAll(".mud-tab").Single(t => t.TextContent.Trim() == title).Click();

    /// <summary>Opens a row's ⋮ menu; returns the texts of its items.</summary>
    private List<string> OpenRowMenu(IRenderedComponent<PoliciesPage> page, string policyId)
    {
        page.Find($"[data-testid=policy-menu-{policyId}] button").Click();
        PopoverProvider.WaitForAssertion(() => Assert.NotEmpty(PopoverProvider.FindAll(".mud-menu-item")));
        return PopoverProvider.FindAll(".mud-menu-item").Select(i => i.TextContent.Trim()).ToList();
    }

    private void ClickMenuItem(IRenderedComponent<PoliciesPage> page, string policyId, string text)
    {
        OpenRowMenu(page, policyId);
        // The handler may await a confirmation: Click(), not ClickAsync().
        PopoverProvider.FindAll(".mud-menu-item").Single(i => i.TextContent.Trim() == text).Click();
    }

    private static string Cell(AngleSharp.Dom.IElement row, string label) =>
        row.QuerySelector($"td[data-label='{label}']")!.TextContent.Trim();
}
