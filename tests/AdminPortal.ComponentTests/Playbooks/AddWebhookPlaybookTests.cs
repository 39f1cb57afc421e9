using AdminPortal.Core.Features.Playbooks;
using AdminPortal.Core.Features.Users;
using AdminPortal.Web.Features.Playbooks;
using Bunit;
using Microsoft.EntityFrameworkCore;

namespace AdminPortal.ComponentTests.Playbooks;

/// <summary>"Add webhook playbook": the form, its field errors, then the signing secret shown once and never again.</summary>
public sealed class AddWebhookPlaybookTests : PlaybooksComponentTest
{
    private const string LogicAppUrl =
        "https://prod-12.westeurope.logic.azure.com/workflows/4f1c2a9e/triggers/manual/paths/invoke?api-version=2016-10-01&sp=%2Ftriggers%2Fmanual%2Frun&sig=c2lnbmF0dXJla2V5MTIz";

    [Fact]
    public async Task Adding_ShowsTheSecretOnce_ThenTheRowShowsOnlyTheMaskedUrl()
    {
        var bob = await Users.AddOrUpdateAsync("bob@contoso.com", PortalRole.SecurityOperator, "test");
        var tab = RenderTabAs(bob);
        OpenTheAddDialog(tab);
        Assert.Contains("When an HTTP request is received", DialogProvider.Markup);

        DialogProvider.Find("input[data-testid=playbook-name]").Input("Isolate device (Logic App)");
        DialogProvider.Find("input[data-testid=playbook-url]").Input(LogicAppUrl);
        DialogProvider.Find("textarea[data-testid=playbook-description]").Input("Runs the isolation runbook");
        DialogProvider.Find("[data-testid=save-playbook]").Click();

        DialogProvider.WaitForAssertion(() => Assert.NotEmpty(DialogProvider.FindAll("[data-testid=playbook-secret]")));
        Assert.Empty(DialogProvider.FindAll("[data-testid=add-playbook-dialog]"));
        var secret = DialogProvider.Find("[data-testid=playbook-secret]").TextContent.Trim();
        Assert.StartsWith("whsec_", secret);
        Assert.Contains("will not be shown again", DialogProvider.Find("[data-testid=playbook-secret-warning]").TextContent);
        Assert.NotEmpty(DialogProvider.FindAll("[data-testid=copy-playbook-secret]"));
        // What the dialog shows is what is stored, encrypted: the secret and the full URL.
        await using (var db = await Contexts.CreateDbContextAsync())
        {
            var stored = await db.Playbooks.AsNoTracking().SingleAsync();
            Assert.Equal(secret, Secrets.Unprotect(stored.SigningSecretEncrypted));
            Assert.Equal(LogicAppUrl, Secrets.Unprotect(stored.CallbackUrlEncrypted));
            Assert.Equal((bob.Id, PlaybookKind.Webhook, "Runs the isolation runbook"), (stored.OwnerId, stored.Kind, stored.Description));
        }
        // Shown in the dialog only: not in the grid behind it.
        Assert.DoesNotContain(secret, tab.Markup);

        DialogProvider.Find("[data-testid=playbook-secret-close]").Click();

        DialogProvider.WaitForAssertion(() => Assert.Empty(DialogProvider.FindAll("[data-testid=playbook-secret-dialog]")));
        tab.Render();
        DialogProvider.Render();
        var markup = AllMarkup(tab);
        Assert.DoesNotContain(secret["whsec_".Length..], markup);
        var query = new Uri(LogicAppUrl).Query.TrimStart('?');
        Assert.DoesNotContain(query, markup);
        Assert.DoesNotContain("c2lnbmF0dXJla2V5MTIz", markup);
        Assert.DoesNotContain("sig=", markup);
        Assert.DoesNotContain("api-version", markup);
        var row = await Playbooks.ListAsync(ViewerOf(bob));
        var added = Assert.Single(row);
        Assert.Equal(["Isolate device (Logic App)"], Names(tab));
        Assert.Equal(added.CallbackUrlMasked, Cell(Row(tab, added.Id), "URL"));
        Assert.StartsWith("https://prod-12.westeurope.logic.azure.com/", added.CallbackUrlMasked);
        Assert.Equal("Webhook", Cell(Row(tab, added.Id), "Kind"));
    }

    [Fact]
    public async Task ABadUrl_ShowsTheFieldError_AndStoresNothing()
    {
        var bob = await Users.AddOrUpdateAsync("bob@contoso.com", PortalRole.SecurityOperator, "test");
        var tab = RenderTabAs(bob);
        OpenTheAddDialog(tab);
        DialogProvider.Find("input[data-testid=playbook-name]").Input("n8n");
        DialogProvider.Find("input[data-testid=playbook-url]").Input("ftp://x");

        DialogProvider.Find("[data-testid=save-playbook]").Click();

        DialogProvider.WaitForAssertion(() => Assert.Contains("must be an absolute http:// or https:// URL", FieldError(DialogProvider, "playbook-url")));
        Assert.Equal("", FieldError(DialogProvider, "playbook-name"));
        Assert.NotEmpty(DialogProvider.FindAll("[data-testid=add-playbook-dialog]"));
        Assert.Empty(DialogProvider.FindAll("[data-testid=playbook-secret-dialog]"));
        await using var db = await Contexts.CreateDbContextAsync();
        Assert.Equal(0, await db.Playbooks.CountAsync());
        Assert.Empty(Names(tab));
    }

    [Fact]
    public async Task AnEmptyNameAndAHeaderValueWithoutAName_AreShownUnderTheirFields()
    {
        var bob = await Users.AddOrUpdateAsync("bob@contoso.com", PortalRole.SecurityOperator, "test");
        var tab = RenderTabAs(bob);
        OpenTheAddDialog(tab);
        DialogProvider.Find("input[data-testid=playbook-url]").Input("https://n8n.contoso.com/webhook/alerts");
        DialogProvider.Find("input[data-testid=playbook-header-value]").Input("s3cret");

        DialogProvider.Find("[data-testid=save-playbook]").Click();

        DialogProvider.WaitForAssertion(() => Assert.StartsWith("A name is required.", FieldError(DialogProvider, "playbook-name")));
        Assert.Equal("A header value needs a header name.", FieldError(DialogProvider, "playbook-header-name"));
        Assert.Equal("", FieldError(DialogProvider, "playbook-url"));

        // Fixing the fields clears their errors and adds the playbook.
        DialogProvider.Find("input[data-testid=playbook-name]").Input("n8n");
        DialogProvider.Find("input[data-testid=playbook-header-name]").Input("X-Api-Key");
        DialogProvider.WaitForAssertion(() => Assert.Equal("", FieldError(DialogProvider, "playbook-name")));
        DialogProvider.Find("[data-testid=save-playbook]").Click();
        DialogProvider.WaitForAssertion(() => Assert.NotEmpty(DialogProvider.FindAll("[data-testid=playbook-secret]")));
        var stored = Assert.Single(await Playbooks.ListAsync(ViewerOf(bob)));
        Assert.Equal("X-Api-Key", stored.HeaderName);
        Assert.DoesNotContain("s3cret", AllMarkup(tab));
    }

    [Fact]
    public async Task CancellingTheDialog_AddsNothing()
    {
        var bob = await Users.AddOrUpdateAsync("bob@contoso.com", PortalRole.SecurityOperator, "test");
        var tab = RenderTabAs(bob);
        OpenTheAddDialog(tab);
        DialogProvider.Find("input[data-testid=playbook-name]").Input("n8n");

        DialogProvider.Find("[data-testid=cancel-playbook]").Click();

        DialogProvider.WaitForAssertion(() => Assert.Empty(DialogProvider.FindAll("[data-testid=add-playbook-dialog]")));
        Assert.Empty(DialogProvider.FindAll("[data-testid=playbook-secret-dialog]"));
        Assert.Empty(await Playbooks.ListAsync(ViewerOf(bob)));
    }

    private void OpenTheAddDialog(IRenderedComponent<PlaybooksTab> tab)
    {
        // The tab's handler awaits the dialog's result: Click(), not ClickAsync().
        tab.Find("[data-testid=add-playbook]").Click();
        DialogProvider.WaitForAssertion(() => Assert.NotEmpty(DialogProvider.FindAll("input[data-testid=playbook-url]")));
    }
}
