using AdminPortal.Core.Features.ApiTokens;
using AdminPortal.Core.Features.Users;
using AdminPortal.Web.Features.ApiTokens;
using Bunit;
using Microsoft.EntityFrameworkCore;

namespace AdminPortal.ComponentTests.ApiTokens;

/// <summary>The tokens grid: columns, who sees what, filters, and revocation behind a confirmation.</summary>
public sealed class ApiTokensTabTests : ApiTokensComponentTest
{
    [Fact]
    public async Task Grid_ShowsTheColumnsNameOwnerCreatedLastUsedStatusExpires()
    {
        var ada = await Users.AddOrUpdateAsync("ada@contoso.com", PortalRole.SecurityReader, "test");
        var created = await Tokens.CreateAsync(ada.Id, new CreateApiTokenRequest("n8n", 30), ada.Upn);

        var tab = RenderTabAs(ada);

        var headers = tab.FindAll("[data-testid=token-grid] thead th").Select(th => th.TextContent.Trim()).Where(text => text.Length > 0);
        Assert.Equal(["Name", "Owner", "Created", "Last used", "Status", "Expires"], headers);
        var row = tab.Find("[data-testid=token-grid] tbody tr");
        Assert.StartsWith("n8n", Cell(row, "Name"));
        Assert.Contains(created.Token.Prefix, Cell(row, "Name"));
        Assert.Equal("ada@contoso.com", Cell(row, "Owner"));
        Assert.Equal("2026-11-27 09:00 UTC", Cell(row, "Created"));
        Assert.Equal("Never", Cell(row, "Last used"));
        Assert.Equal("Generated", Cell(row, "Status"));
        Assert.Equal("2026-12-27 09:00 UTC", Cell(row, "Expires"));
    }

    [Fact]
    public async Task Grid_ShowsLastUseAndEachStatus()
    {
        var ada = await Users.AddOrUpdateAsync("ada@contoso.com", PortalRole.SecurityReader, "test");
        var viewer = new ApiTokenViewer(ada.Id, ada.Upn, false);
        await Tokens.CreateAsync(ada.Id, new CreateApiTokenRequest("never used", null), ada.Upn);
        var inactive = await Tokens.CreateAsync(ada.Id, new CreateApiTokenRequest("used long ago", null), ada.Upn);
        await Tokens.CreateAsync(ada.Id, new CreateApiTokenRequest("short-lived", 1), ada.Upn);
        var revoked = await Tokens.CreateAsync(ada.Id, new CreateApiTokenRequest("revoked", null), ada.Upn);
        var active = await Tokens.CreateAsync(ada.Id, new CreateApiTokenRequest("in use", null), ada.Upn);
        Assert.True((await Tokens.AuthenticateAsync(inactive.Value, null)).Succeeded);
        Assert.True(await Tokens.RevokeAsync(revoked.Token.Id, viewer));
        Time.Advance(TimeSpan.FromDays(10));
        Assert.True((await Tokens.AuthenticateAsync(active.Value, null)).Succeeded);

        var tab = RenderTabAs(ada);

        Assert.Equal(
            [("in use", "Active"), ("never used", "Generated"), ("revoked", "Revoked"), ("short-lived", "Expired"), ("used long ago", "Inactive")],
            Rows(tab).Select(r => (r.Name, r.Status)).OrderBy(r => r.Name));
        var inUse = tab.FindAll("[data-testid=token-grid] tbody tr").Single(r => Cell(r, "Name").StartsWith("in use", StringComparison.Ordinal));
        Assert.Equal("2026-12-07 09:00 UTC", Cell(inUse, "Last used"));
        // Only tokens not yet revoked offer a revoke button.
        Assert.Equal(4, tab.FindAll("[data-testid=revoke-token]").Count);
        Assert.Empty(tab.FindAll("[aria-label='Revoke revoked']"));
    }

    [Fact]
    public async Task ASecurityReader_SeesOnlyTheirOwnTokensAndNoOwnerFilter()
    {
        var (ada, _, _) = await ThreeUsersWithATokenEach();

        var tab = RenderTabAs(ada);

        Assert.Equal([("ada's playbook", "ada@contoso.com", "Generated")], Rows(tab));
        Assert.Empty(tab.FindAll("[data-testid=owner-filter]"));
        Assert.NotEmpty(tab.FindAll("[data-testid=status-filter]"));
        Assert.DoesNotContain("bob@contoso.com", tab.Markup);
        Assert.DoesNotContain("grace@contoso.com", tab.Markup);
    }

    [Fact]
    public async Task ASecurityOperator_SeesOnlyTheirOwnTokensToo()
    {
        var (_, bob, _) = await ThreeUsersWithATokenEach();

        var tab = RenderTabAs(bob);

        Assert.Equal([("bob's playbook", "bob@contoso.com", "Generated")], Rows(tab));
        Assert.Empty(tab.FindAll("[data-testid=owner-filter]"));
    }

    [Fact]
    public async Task AGlobalAdmin_SeesEveryUsersTokensAndTheOwnerFilter()
    {
        var (_, _, grace) = await ThreeUsersWithATokenEach();

        var tab = RenderTabAs(grace);

        Assert.Equal(["ada@contoso.com", "bob@contoso.com", "grace@contoso.com"], Rows(tab).Select(r => r.Owner).Order());
        Assert.NotEmpty(tab.FindAll("input[data-testid=owner-filter]"));
        Assert.Equal(3, tab.FindAll("[data-testid=revoke-token]").Count);
    }

    [Fact]
    public async Task AGlobalAdmin_FilteringByOwner_SeesThatOwnersTokensOnly()
    {
        var (_, _, grace) = await ThreeUsersWithATokenEach();
        var tab = RenderTabAs(grace);

        tab.Find("input[data-testid=owner-filter]").Input("bob");
        // The field is debounced (300 ms) on the portal's clock.
        Time.Advance(TimeSpan.FromSeconds(1));

        tab.WaitForAssertion(() => Assert.Equal([("bob's playbook", "bob@contoso.com", "Generated")], Rows(tab)));
    }

    [Fact]
    public async Task FilteringByStatus_ShowsOnlyTokensInThatStatus()
    {
        var ada = await Users.AddOrUpdateAsync("ada@contoso.com", PortalRole.SecurityReader, "test");
        await Tokens.CreateAsync(ada.Id, new CreateApiTokenRequest("kept", null), ada.Upn);
        var revoked = await Tokens.CreateAsync(ada.Id, new CreateApiTokenRequest("gone", null), ada.Upn);
        await Tokens.RevokeAsync(revoked.Token.Id, new ApiTokenViewer(ada.Id, ada.Upn, false));
        var tab = RenderTabAs(ada);
        Assert.Equal(2, Rows(tab).Count);

        tab.Find("input[data-testid=status-filter]").Closest(".mud-input-control")!.MouseDown();
        PopoverProvider.WaitForAssertion(() => Assert.Contains(PopoverProvider.FindAll(".mud-list-item"), i => i.TextContent.Trim() == "Revoked"));
        PopoverProvider.FindAll(".mud-list-item").Single(i => i.TextContent.Trim() == "Revoked").Click();

        tab.WaitForAssertion(() => Assert.Equal([("gone", "ada@contoso.com", "Revoked")], Rows(tab)));
    }

    [Fact]
    public async Task Revoking_AsksForConfirmation_AndCancelChangesNothing()
    {
        var ada = await Users.AddOrUpdateAsync("ada@contoso.com", PortalRole.SecurityReader, "test");
        await Tokens.CreateAsync(ada.Id, new CreateApiTokenRequest("n8n", null), ada.Upn);
        var tab = RenderTabAs(ada);

        tab.Find("[data-testid=revoke-token]").Click();

        DialogProvider.WaitForAssertion(() => Assert.Contains("Revoke \"n8n\" of ada@contoso.com?", DialogProvider.Markup.Replace("&quot;", "\"")));
        Assert.Contains("cannot be undone", DialogProvider.Markup);
        Assert.Null((await StoredToken()).RevokedAt);   // nothing happens before the answer
        DialogButton("Cancel").Click();

        DialogProvider.WaitForAssertion(() => Assert.Empty(DialogProvider.FindAll(".mud-dialog")));
        Assert.Null((await StoredToken()).RevokedAt);
        Assert.Equal([("n8n", "ada@contoso.com", "Generated")], Rows(tab));
        Assert.Single(tab.FindAll("[data-testid=revoke-token]"));
        Assert.DoesNotContain("revoked", SnackbarProvider.Markup);
    }

    [Fact]
    public async Task Revoking_Confirmed_SetsTheStatusToRevoked()
    {
        var ada = await Users.AddOrUpdateAsync("ada@contoso.com", PortalRole.SecurityReader, "test");
        var created = await Tokens.CreateAsync(ada.Id, new CreateApiTokenRequest("n8n", null), ada.Upn);
        var tab = RenderTabAs(ada);

        tab.Find("[data-testid=revoke-token]").Click();
        DialogProvider.WaitForAssertion(() => Assert.Contains("cannot be undone", DialogProvider.Markup));
        DialogButton("Revoke").Click();

        tab.WaitForAssertion(() => Assert.Equal([("n8n", "ada@contoso.com", "Revoked")], Rows(tab)));
        Assert.Empty(tab.FindAll("[data-testid=revoke-token]"));
        Assert.Equal(Time.GetUtcNow(), (await StoredToken()).RevokedAt);
        Assert.Equal(ApiTokenFailure.Revoked, (await Tokens.AuthenticateAsync(created.Value, null)).Failure);
        SnackbarProvider.WaitForAssertion(() => Assert.Contains("Token \"n8n\" revoked.", SnackbarProvider.Markup.Replace("&quot;", "\"")));
    }

    [Fact]
    public async Task AGlobalAdmin_RevokesAnotherUsersToken()
    {
        var (ada, _, grace) = await ThreeUsersWithATokenEach();
        var tab = RenderTabAs(grace);

        tab.Find("[aria-label=\"Revoke ada's playbook\"]").Click();
        DialogProvider.WaitForAssertion(() => Assert.Contains("ada@contoso.com", DialogProvider.Markup));
        DialogButton("Revoke").Click();

        tab.WaitForAssertion(() => Assert.Equal("Revoked", Rows(tab).Single(r => r.Owner == "ada@contoso.com").Status));
        Assert.All(Rows(tab).Where(r => r.Owner != "ada@contoso.com"), r => Assert.Equal("Generated", r.Status));
        await using var db = await Contexts.CreateDbContextAsync();
        Assert.NotNull((await db.ApiTokens.SingleAsync(t => t.OwnerId == ada.Id)).RevokedAt);
        Assert.Equal("grace@contoso.com", (await db.AuditEntries.SingleAsync(e => e.Action == "ApiTokenRevoked")).Actor);
    }

    [Fact]
    public async Task ADisabledUser_SeesNoTokensAndCannotGenerate()
    {
        var ada = await Users.AddOrUpdateAsync("ada@contoso.com", PortalRole.SecurityReader, "test");
        await Tokens.CreateAsync(ada.Id, new CreateApiTokenRequest("n8n", null), ada.Upn);
        await using (var db = await Contexts.CreateDbContextAsync())
            await db.Users.Where(u => u.Id == ada.Id).ExecuteUpdateAsync(set => set.SetProperty(u => u.IsDisabled, true));

        var tab = RenderTabAs(ada);

        Assert.Empty(Rows(tab));
        Assert.True(tab.Find("[data-testid=generate-token]").HasAttribute("disabled"));
    }

    private async Task<(User Ada, User Bob, User Grace)> ThreeUsersWithATokenEach()
    {
        var ada = await Users.AddOrUpdateAsync("ada@contoso.com", PortalRole.SecurityReader, "test");
        var bob = await Users.AddOrUpdateAsync("bob@contoso.com", PortalRole.SecurityOperator, "test");
        var grace = await Users.AddOrUpdateAsync("grace@contoso.com", PortalRole.GlobalAdmin, "test");
        await Tokens.CreateAsync(ada.Id, new CreateApiTokenRequest("ada's playbook", null), ada.Upn);
        await Tokens.CreateAsync(bob.Id, new CreateApiTokenRequest("bob's playbook", null), bob.Upn);
        await Tokens.CreateAsync(grace.Id, new CreateApiTokenRequest("grace's playbook", null), grace.Upn);
        return (ada, bob, grace);
    }

    private async Task<ApiToken> StoredToken()
    {
        await using var db = await Contexts.CreateDbContextAsync();
        return await db.ApiTokens.AsNoTracking().SingleAsync();
    }

    private AngleSharp.Dom.IElement DialogButton(string text) =>
        DialogProvider.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == text);

    private static string Cell(AngleSharp.Dom.IElement row, string label) =>
        row.QuerySelector($"td[data-label='{label}']")!.TextContent.Trim();
}
