using System.Text.RegularExpressions;
using AdminPortal.Core.Features.ApiTokens;
using AdminPortal.Core.Features.Users;
using Bunit;
using Microsoft.EntityFrameworkCore;

namespace AdminPortal.ComponentTests.ApiTokens;

/// <summary>"Generate new token": the name dialog, then the value shown once and never again.</summary>
public sealed partial class GenerateTokenTests : ApiTokensComponentTest
{
    [GeneratedRegex(@"\A[0-9a-zA-Z]{64}\z")]
    private static partial Regex Base62Value();

    [Fact]
    public async Task Generating_ShowsTheValueOnceWithThePortalUrlAndTheOnceOnlyWarning()
    {
        var ada = await Users.AddOrUpdateAsync("ada@contoso.com", PortalRole.SecurityReader, "test");
        var tab = RenderTabAs(ada);

        var value = GenerateThroughTheDialog(tab, "Power Automate");

        Assert.Matches(Base62Value(), value);
        Assert.Equal(PortalBaseUrl, DialogProvider.Find("[data-testid=portal-url]").TextContent.Trim());
        var warning = DialogProvider.Find("[data-testid=token-once-warning]").TextContent;
        Assert.Contains("shown only once", warning);
        Assert.Contains("cannot be shown again", warning);
        Assert.Contains("Power Automate", DialogProvider.Find("[data-testid=token-created-dialog]").TextContent);
        Assert.NotEmpty(DialogProvider.FindAll("[data-testid=copy-token]"));
        // The value shown is the token stored: its hash, its prefix, its owner.
        await using var db = await Contexts.CreateDbContextAsync();
        var stored = await db.ApiTokens.SingleAsync();
        Assert.Equal(ApiTokenValues.Hash(value), stored.ValueHash);
        Assert.Equal(value[..8], stored.Prefix);
        Assert.Equal(ada.Id, stored.OwnerId);
        Assert.Equal("Power Automate", stored.Name);
        // Shown in the dialog only: not in the grid behind it.
        Assert.Single(DialogProvider.FindAll("[data-testid=token-value]"));
        Assert.DoesNotContain(value, tab.Markup);
        tab.WaitForAssertion(() => Assert.Equal([("Power Automate", "ada@contoso.com", "Generated")], Rows(tab)));
    }

    [Fact]
    public async Task AfterTheDialogIsClosed_TheValueAppearsNowhere_EvenAfterReRendering()
    {
        var ada = await Users.AddOrUpdateAsync("ada@contoso.com", PortalRole.SecurityReader, "test");
        var tab = RenderTabAs(ada);
        var value = GenerateThroughTheDialog(tab, "n8n");

        DialogProvider.Find("[data-testid=token-created-close]").Click();

        DialogProvider.WaitForAssertion(() => Assert.Empty(DialogProvider.FindAll("[data-testid=token-created-dialog]")));
        tab.Render();
        DialogProvider.Render();
        Assert.DoesNotContain(value, AllMarkup(tab));
        Assert.DoesNotContain(value[8..], AllMarkup(tab));
        Assert.Empty(DialogProvider.FindAll("[data-testid=token-value]"));
        // The grid tells the token apart by its prefix only.
        Assert.Contains(value[..8], tab.Markup);
        Assert.Equal([("n8n", "ada@contoso.com", "Generated")], Rows(tab));
        // A fresh visit to the tab (a new component instance) cannot show it either.
        var again = Render<Web.Features.ApiTokens.ApiTokensTab>();
        again.WaitForAssertion(() => Assert.Single(Rows(again)));
        Assert.DoesNotContain(value[8..], again.Markup + DialogProvider.Markup);
    }

    [Fact]
    public async Task GeneratingWithAnEmptyName_ShowsNameIsRequiredAndCreatesNothing()
    {
        var ada = await Users.AddOrUpdateAsync("ada@contoso.com", PortalRole.SecurityReader, "test");
        var tab = RenderTabAs(ada);
        OpenTheGenerateDialog(tab);

        DialogProvider.Find("[data-testid=generate-token-confirm]").Click();

        DialogProvider.WaitForAssertion(() => Assert.Contains("Name is required.", NameFieldErrors()));
        Assert.NotEmpty(DialogProvider.FindAll("[data-testid=generate-token-dialog]"));
        Assert.Empty(DialogProvider.FindAll("[data-testid=token-created-dialog]"));
        Assert.Empty(await Tokens.ListAsync(new ApiTokenViewer(ada.Id, ada.Upn, true)));
    }

    [Fact]
    public async Task GeneratingWithA101CharacterName_ShowsTheLimitAndCreatesNothing()
    {
        var ada = await Users.AddOrUpdateAsync("ada@contoso.com", PortalRole.SecurityReader, "test");
        var tab = RenderTabAs(ada);
        OpenTheGenerateDialog(tab);
        DialogProvider.Find("input[data-testid=token-name]").Input(new string('n', 101));

        DialogProvider.Find("[data-testid=generate-token-confirm]").Click();

        DialogProvider.WaitForAssertion(() => Assert.Contains("at most 100 characters", NameFieldErrors()));
        Assert.Empty(DialogProvider.FindAll("[data-testid=token-created-dialog]"));
        Assert.Empty(await Tokens.ListAsync(new ApiTokenViewer(ada.Id, ada.Upn, true)));
    }

    [Fact]
    public async Task GeneratingWithTheNameOfAnActiveTokenOfTheSameOwner_ShowsTheDuplicateAndCreatesNothing()
    {
        var ada = await Users.AddOrUpdateAsync("ada@contoso.com", PortalRole.SecurityReader, "test");
        await Tokens.CreateAsync(ada.Id, new CreateApiTokenRequest("n8n", null), ada.Upn);
        var tab = RenderTabAs(ada);
        OpenTheGenerateDialog(tab);
        DialogProvider.Find("input[data-testid=token-name]").Input("n8n");

        DialogProvider.Find("[data-testid=generate-token-confirm]").Click();

        DialogProvider.WaitForAssertion(() => Assert.Contains("You already have a token named 'n8n'.", NameFieldErrors()));
        Assert.NotEmpty(DialogProvider.FindAll("[data-testid=generate-token-dialog]"));
        Assert.Empty(DialogProvider.FindAll("[data-testid=token-created-dialog]"));
        Assert.Single(await Tokens.ListAsync(new ApiTokenViewer(ada.Id, ada.Upn, true)));
    }

    [Fact]
    public async Task AfterADuplicateNameError_ChangingTheName_Generates()
    {
        var ada = await Users.AddOrUpdateAsync("ada@contoso.com", PortalRole.SecurityReader, "test");
        await Tokens.CreateAsync(ada.Id, new CreateApiTokenRequest("n8n", null), ada.Upn);
        var tab = RenderTabAs(ada);
        OpenTheGenerateDialog(tab);
        DialogProvider.Find("input[data-testid=token-name]").Input("n8n");
        DialogProvider.Find("[data-testid=generate-token-confirm]").Click();
        DialogProvider.WaitForAssertion(() => Assert.Contains("already have a token", NameFieldErrors()));

        DialogProvider.Find("input[data-testid=token-name]").Input("n8n (second)");
        DialogProvider.WaitForAssertion(() => Assert.DoesNotContain("already have a token", NameFieldErrors()));
        DialogProvider.Find("[data-testid=generate-token-confirm]").Click();

        DialogProvider.WaitForAssertion(() => Assert.Matches(Base62Value(), DialogProvider.Find("[data-testid=token-value]").TextContent.Trim()));
        tab.WaitForAssertion(() => Assert.Equal(["n8n", "n8n (second)"], Rows(tab).Select(r => r.Name).Order()));
    }

    [Fact]
    public async Task CancellingTheGenerateDialog_CreatesNothing()
    {
        var ada = await Users.AddOrUpdateAsync("ada@contoso.com", PortalRole.SecurityReader, "test");
        var tab = RenderTabAs(ada);
        OpenTheGenerateDialog(tab);
        DialogProvider.Find("input[data-testid=token-name]").Input("n8n");

        DialogProvider.FindAll("button").Single(b => b.TextContent.Trim() == "Cancel").Click();

        DialogProvider.WaitForAssertion(() => Assert.Empty(DialogProvider.FindAll("[data-testid=generate-token-dialog]")));
        Assert.Empty(DialogProvider.FindAll("[data-testid=token-created-dialog]"));
        Assert.Empty(await Tokens.ListAsync(new ApiTokenViewer(ada.Id, ada.Upn, true)));
        Assert.Empty(Rows(tab));
    }

    private void OpenTheGenerateDialog(IRenderedComponent<Web.Features.ApiTokens.ApiTokensTab> tab)
    {
        // The tab's handler awaits the dialog's result: Click(), not ClickAsync().
        tab.Find("[data-testid=generate-token]").Click();
        DialogProvider.WaitForAssertion(() => Assert.NotEmpty(DialogProvider.FindAll("input[data-testid=token-name]")));
    }

    /// <summary>Opens the dialog, names the token, generates it; returns the value the success dialog shows.</summary>
    private string GenerateThroughTheDialog(IRenderedComponent<Web.Features.ApiTokens.ApiTokensTab> tab, string name)
    {
        OpenTheGenerateDialog(tab);
        DialogProvider.Find("input[data-testid=token-name]").Input(name);
        DialogProvider.Find("[data-testid=generate-token-confirm]").Click();
        DialogProvider.WaitForAssertion(() => Assert.NotEmpty(DialogProvider.FindAll("[data-testid=token-value]")));
        Assert.Empty(DialogProvider.FindAll("[data-testid=generate-token-dialog]"));
        return DialogProvider.Find("[data-testid=token-value]").TextContent.Trim();
    }

    private string NameFieldErrors() =>
        string.Join("\n", DialogProvider.FindAll("[data-testid=generate-token-dialog] .mud-input-error").Select(e => e.TextContent.Trim()));
}
