using AdminPortal.ComponentTests.Policies;
using AdminPortal.Core.Features.Playbooks;
using AdminPortal.Core.Features.Users;
using AdminPortal.Web.Features.Policies;
using Bunit;

namespace AdminPortal.ComponentTests.Playbooks;

/// <summary>The policy edit form's "Send alerts to Power Automate": loads the links, saves the picked playbooks.</summary>
public sealed class PolicyEditPagePlaybooksTests : PoliciesComponentTest
{
    [Fact]
    public async Task EditingAPolicy_ShowsItsPlaybooks_AndSavesAnAddedOne()
    {
        var grace = await SignInAsAdminAsync();
        var first = await AddPlaybookAsync(grace, "Notify the SOC");
        var second = await AddPlaybookAsync(grace, "Isolate device");
        var policy = await CreatePolicyAsync("Mass download");
        await Policies.UpdateAlertSettingsAsync(policy.Id, policy.Severity, new() { PlaybookIds = [first.Id] }, null, grace.Upn);
        var form = Render<PolicyEditPage>(parameters => parameters.Add(p => p.Id, policy.Id));
        form.WaitForAssertion(() => Assert.NotEmpty(form.FindAll("input[data-testid=playbook-picker]")));
        Assert.Equal("Notify the SOC", form.Find("input[data-testid=playbook-picker]").GetAttribute("value"));

        Choose(form, "playbook-picker", "Isolate device");
        form.Find("[data-testid=save-policy]").Click();

        form.WaitForAssertion(() => Assert.Equal("/policies", new Uri(Navigation.Uri).AbsolutePath));
        var stored = await Policies.GetAsync(policy.Id);
        Assert.Equal(new[] { first.Id, second.Id }.Order(), stored!.Playbooks.Select(l => l.PlaybookId).Order());
    }

    [Fact]
    public async Task CreatingAPolicy_WithAPlaybookDeletedMeanwhile_IsAnError_AndNothingIsSaved()
    {
        var grace = await SignInAsAdminAsync();
        var playbook = await AddPlaybookAsync(grace, "Notify the SOC");
        Navigation.NavigateTo("/policies/new");
        var form = Render<PolicyEditPage>();
        form.WaitForAssertion(() => Assert.NotEmpty(form.FindAll("input[data-testid=policy-name]")));
        form.Find("input[data-testid=policy-name]").Input("Mass download");
        form.Find("textarea[data-testid=condition-values-0]").Input("FileDownload");
        form.Find("input[data-testid=send-to-playbooks]").Change(true);
        form.WaitForAssertion(() => Assert.NotEmpty(form.FindAll("input[data-testid=playbook-picker]")));
        Choose(form, "playbook-picker", "Notify the SOC");
        Assert.Equal(PlaybookOutcome.Done, await Playbooks.DeleteAsync(new PlaybookViewer(grace.Id, grace.Upn, grace.Role), playbook.Id));

        form.Find("[data-testid=save-policy]").Click();

        form.WaitForAssertion(() => Assert.Contains("deleted or is no longer shared with you", FieldError(form, "playbook-picker")));
        Assert.Empty(form.FindAll("[data-testid=other-errors]"));
        Assert.Empty(await StoredPoliciesAsync());
    }

    private async Task<PlaybookRow> AddPlaybookAsync(User owner, string name) =>
        (await Playbooks.CreateWebhookAsync(new PlaybookViewer(owner.Id, owner.Upn, owner.Role),
            new WebhookPlaybookDraft { Name = name, Url = "https://hooks.example.com/alerts?sig=k3y" })).Playbook;
}
