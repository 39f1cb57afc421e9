using AdminPortal.Core.Features.Alerts;
using AdminPortal.Core.Features.Policies;
using AdminPortal.Core.Features.Users;
using AdminPortal.Web.Features.Policies;
using Bunit;

namespace AdminPortal.ComponentTests.Policies;

/// <summary>The policy form: templates, field-level validation, saving, and two admins editing the same policy.</summary>
public sealed class PolicyEditPageTests : PoliciesComponentTest
{
    [Fact]
    public async Task CreatingFromATemplate_PreFillsTheForm_AndSavesIt()
    {
        await SignInAsAdminAsync();

        var form = RenderNew("external-share");

        Assert.Contains("Create policy from template: File shared externally", form.Markup);
        Assert.Equal("File shared externally", Value(form, "policy-name"));
        Assert.Equal("File policy", Value(form, "policy-type"));
        Assert.Equal("Information protection", Value(form, "policy-category"));
        Assert.Equal("Activity type", Value(form, "condition-field-0"));
        Assert.Equal("FileShare", Value(form, "condition-values-0"));
        Assert.Equal("Target user", Value(form, "condition-field-1"));
        Assert.Equal("does not end with", Value(form, "condition-operator-1"));
        // "External" is judged against the creating admin's own domain.
        Assert.Equal("@contoso.com", Value(form, "condition-values-1"));

        form.Find("[data-testid=save-policy]").Click();

        // Back to the list on the new policy's own tab, so it is in view.
        form.WaitForAssertion(() => Assert.Equal("/policies?tab=information-protection", new Uri(Navigation.Uri).PathAndQuery));
        var stored = Assert.Single(await StoredPoliciesAsync());
        Assert.Equal("File shared externally", stored.Name);
        Assert.Equal("external-share", stored.TemplateId);
        Assert.Equal(PolicyCategory.InformationProtection, stored.Category);
        Assert.Equal("grace@contoso.com", stored.CreatedBy);
        Assert.Equal(["@contoso.com"], stored.Conditions.Single(c => c.Field == ActivityFields.TargetUser).Values);
        Assert.Contains("Policy \"File shared externally\" created.", Snackbars);
    }

    [Fact]
    public async Task CreatingFromScratch_SplitsValuesOnCommasAndNewLines()
    {
        await SignInAsAdminAsync();
        var form = RenderNew();
        Assert.Equal("Create policy", form.Find("h4").TextContent.Trim());

        form.Find("input[data-testid=policy-name]").Input("Downloads from the finance share");
        Choose(form, "condition-operator-0", "is in list");
        form.Find("textarea[data-testid=condition-values-0]").Input("FileDownload, FilePreview\nFileSync\n");
        form.Find("[data-testid=save-policy]").Click();

        form.WaitForAssertion(() => Assert.Equal("/policies", new Uri(Navigation.Uri).AbsolutePath));
        var condition = Assert.Single(Assert.Single(await StoredPoliciesAsync()).Conditions);
        Assert.Equal(ConditionOperator.InList, condition.Operator);
        Assert.Equal(["FileDownload", "FilePreview", "FileSync"], condition.Values);
    }

    [Fact]
    public async Task ABadCidr_IsShownUnderThatConditionsValues_AndNothingIsSaved()
    {
        await SignInAsAdminAsync();
        var form = RenderNew("risky-ip");
        Assert.Equal("is in IP range (CIDR)", Value(form, "condition-operator-0"));

        form.Find("textarea[data-testid=condition-values-0]").Input("203.0.113.0/24\n10.0.0.300/8");
        form.Find("[data-testid=save-policy]").Click();

        form.WaitForAssertion(() => Assert.Contains("'10.0.0.300/8' is not a CIDR range", FieldError(form, "condition-values-0")));
        Assert.DoesNotContain("203.0.113.0/24'", FieldError(form, "condition-values-0"));
        Assert.Equal("", FieldError(form, "policy-name"));
        Assert.Empty(await StoredPoliciesAsync());
        Assert.Equal("/policies/new", new Uri(Navigation.Uri).AbsolutePath);

        // Still wrong after another edit: the error stays; once right, it goes.
        form.Find("textarea[data-testid=condition-values-0]").Input("203.0.113.0/24\n10.0.0.0/33");
        form.WaitForAssertion(() => Assert.Contains("'10.0.0.0/33' is not a CIDR range", FieldError(form, "condition-values-0")));
        form.Find("textarea[data-testid=condition-values-0]").Input("203.0.113.0/24\n10.0.0.0/8");
        form.WaitForAssertion(() => Assert.Equal("", FieldError(form, "condition-values-0")));
    }

    [Fact]
    public async Task AnEmptyFilter_ShowsAMessageAtTheConditions_AndNothingIsSaved()
    {
        await SignInAsAdminAsync();
        var form = RenderNew();
        form.Find("input[data-testid=policy-name]").Input("Matches everything");

        form.Find("[data-testid=remove-condition-0]").Click();
        form.Find("[data-testid=save-policy]").Click();

        form.WaitForAssertion(() => Assert.Contains("Add at least one condition",
            form.Find("[data-testid=conditions] [data-testid=conditions-error]").TextContent));
        Assert.Empty(await StoredPoliciesAsync());

        // Adding a condition back clears the message.
        form.Find("[data-testid=add-condition]").Click();
        form.WaitForAssertion(() => Assert.Empty(form.FindAll("[data-testid=conditions-error]")));
        Assert.Contains("Enter at least one value", FieldError(form, "condition-values-0"));
    }

    [Fact]
    public async Task AThresholdOutOfRange_IsShownUnderTheThresholdFields_AndNothingIsSaved()
    {
        await SignInAsAdminAsync();
        var form = RenderNew("mass-download");
        Assert.Equal("30", Value(form, "threshold-count"));

        form.Find("input[data-testid=threshold-count]").Input("1");
        form.Find("input[data-testid=threshold-window]").Input("20000");
        form.Find("[data-testid=save-policy]").Click();

        form.WaitForAssertion(() => Assert.Contains("The repeat threshold must be between 2 and 10,000 activities.", FieldError(form, "threshold-count")));
        Assert.Contains("The time window must be between 1 and 10,080 minutes.", FieldError(form, "threshold-window"));
        Assert.Equal("", FieldError(form, "condition-values-0"));
        Assert.Empty(await StoredPoliciesAsync());
    }

    [Fact]
    public async Task EditingAPolicy_LoadsIt_SavesTheChange_AndReturnsToTheList()
    {
        await SignInAsAdminAsync();
        var policy = await CreatePolicyAsync("Mass download", description: "Before");
        var form = RenderEdit(policy.Id);
        Assert.Equal("Edit policy", form.Find("h4").TextContent.Trim());
        Assert.Equal("Mass download", Value(form, "policy-name"));
        Assert.Equal("FileDownload", Value(form, "condition-values-0"));

        form.Find("textarea[data-testid=policy-description]").Input("After");
        Choose(form, "policy-severity", "High");
        form.Find("[data-testid=save-policy]").Click();

        form.WaitForAssertion(() => Assert.Equal("/policies", new Uri(Navigation.Uri).AbsolutePath));
        var stored = await StoredPolicyAsync(policy.Id);
        Assert.Equal("After", stored.Description);
        Assert.Equal(AlertSeverity.High, stored.Severity);
        Assert.Equal("grace@contoso.com", stored.ModifiedBy);
        Assert.NotEqual(policy.Version, stored.Version);
        Assert.Contains("Policy \"Mass download\" saved.", Snackbars);
    }

    [Fact]
    public async Task TwoEditsOfTheSameVersion_TheSecondSeesTheConflict_KeepsItsInput_AndTheFirstIsSaved()
    {
        await SignInAsAdminAsync();
        var policy = await CreatePolicyAsync("Mass download", description: "Original");
        var first = RenderEdit(policy.Id);
        var second = RenderEdit(policy.Id);

        first.Find("input[data-testid=policy-name]").Input("Renamed by the first");
        Time.Advance(TimeSpan.FromMinutes(5));
        first.Find("[data-testid=save-policy]").Click();
        first.WaitForAssertion(() => Assert.Equal("/policies", new Uri(Navigation.Uri).AbsolutePath));

        second.Find("textarea[data-testid=policy-description]").Input("Described by the second");
        second.Find("[data-testid=save-policy]").Click();

        second.WaitForAssertion(() => Assert.Contains(
            "Someone else changed this policy (by grace@contoso.com at 2026-11-27 09:05 UTC). Your edits are still in the form.",
            second.Find("[data-testid=policy-conflict]").TextContent));
        Assert.Equal("Described by the second", Value(second, "policy-description"));
        Assert.Equal("Mass download", Value(second, "policy-name"));
        var stored = await StoredPolicyAsync(policy.Id);
        Assert.Equal("Renamed by the first", stored.Name);
        Assert.Equal("Original", stored.Description);
    }

    [Fact]
    public async Task AfterAConflict_LoadingTheirVersion_ShowsIt_AndTheNextSaveSucceeds()
    {
        await SignInAsAdminAsync();
        var policy = await CreatePolicyAsync("Mass download", description: "Original");
        var form = RenderEdit(policy.Id);
        var theirs = PolicyDraft.From(policy);
        theirs.Name = "Their name";
        Assert.Equal(PolicyChangeStatus.Done, (await Policies.UpdateAsync(policy.Id, theirs, policy.Version, "ada@contoso.com")).Status);
        form.Find("textarea[data-testid=policy-description]").Input("Mine");
        form.Find("[data-testid=save-policy]").Click();
        form.WaitForAssertion(() => Assert.Contains("(by ada@contoso.com at", form.Find("[data-testid=policy-conflict]").TextContent));

        form.Find("[data-testid=load-their-version]").Click();

        form.WaitForAssertion(() => Assert.Empty(form.FindAll("[data-testid=policy-conflict]")));
        Assert.Equal("Their name", Value(form, "policy-name"));
        Assert.Equal("Original", Value(form, "policy-description"));
        form.Find("textarea[data-testid=policy-description]").Input("Mine, on top of theirs");
        form.Find("[data-testid=save-policy]").Click();
        form.WaitForAssertion(() => Assert.Equal("/policies", new Uri(Navigation.Uri).AbsolutePath));
        var stored = await StoredPolicyAsync(policy.Id);
        Assert.Equal(("Their name", "Mine, on top of theirs"), (stored.Name, stored.Description));
    }

    [Fact]
    public async Task TheOperatorList_OffersIpRangesOnTheIpAddressOnly()
    {
        await SignInAsAdminAsync();
        var form = RenderNew("risky-ip");

        Choose(form, "condition-field-0", "Country");

        form.WaitForAssertion(() => Assert.Equal("equals", Value(form, "condition-operator-0")));
        form.Find("input[data-testid=condition-operator-0]").Closest(".mud-input-control")!.MouseDown();
        PopoverProvider.WaitForAssertion(() => Assert.Contains(PopoverProvider.FindAll(".mud-list-item"), i => i.TextContent.Trim() == "is in list"));
        Assert.DoesNotContain(PopoverProvider.FindAll(".mud-list-item"), i => i.TextContent.Trim() == "is in IP range (CIDR)");
    }

    [Fact]
    public async Task AnUnknownPolicyId_SaysSo()
    {
        await SignInAsAdminAsync();

        var form = RenderEdit("0123456789abcdef01234567");

        Assert.Contains("There is no policy with the id", form.Find("[data-testid=policy-missing]").TextContent);
        Assert.Empty(form.FindAll("[data-testid=save-policy]"));
    }

    [Fact]
    public async Task ANonAdmin_GetsNoForm()
    {
        await SignInAsync("bob@contoso.com", PortalRole.SecurityOperator);
        var policy = await CreatePolicyAsync("Mass download");

        var form = RenderEdit(policy.Id);

        Assert.NotEmpty(form.FindAll("[data-testid=no-access]"));
        Assert.Empty(form.FindAll("[data-testid=save-policy]"));
        Assert.DoesNotContain("FileDownload", form.Markup);
    }

    [Fact]
    public async Task ANewPolicy_StartsWithTheOrganizationsDefaultAlertSettings()
    {
        await SignInAsAdminAsync();
        await Defaults.SaveAsync(new PolicyAlertSettingsDraft { DailyAlertLimit = 50, SendEmail = true, EmailRecipients = ["soc@contoso.com"] }, "grace@contoso.com");

        foreach (var form in new[] { RenderNew(), RenderNew("mass-download") })
        {
            Assert.Equal("50", Value(form, "daily-alert-limit"));
            Assert.Contains("soc@contoso.com", form.Find("[data-testid=email-recipients]").TextContent + Value(form, "email-recipients"));
        }
    }

    private IRenderedComponent<PolicyEditPage> RenderNew(string? template = null)
    {
        Navigation.NavigateTo(template is null ? "/policies/new" : $"/policies/new?template={template}");
        return Loaded(Render<PolicyEditPage>());
    }

    private IRenderedComponent<PolicyEditPage> RenderEdit(string id) =>
        Loaded(Render<PolicyEditPage>(parameters => parameters.Add(p => p.Id, id)));

    private static IRenderedComponent<PolicyEditPage> Loaded(IRenderedComponent<PolicyEditPage> form)
    {
        form.WaitForAssertion(() => Assert.Empty(form.FindAll(".mud-progress-linear")));
        return form;
    }

    /// <summary>What a field shows (an input's or textarea's value; a select shows its item's text).</summary>
    private static string Value(IRenderedComponent<PolicyEditPage> form, string testId) =>
        form.Find($"[data-testid='{testId}']").GetAttribute("value") ?? "";
}
