using AdminPortal.Core.Features.ApiTokens;
using AdminPortal.Core.Features.Users;
using AdminPortal.Web.Features.SecurityExtensions;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace AdminPortal.ComponentTests.Playbooks;

/// <summary>Settings → Security extensions: the Playbooks tab beside API tokens, and the link that opens on it.</summary>
public sealed class SecurityExtensionsPageTests : PlaybooksComponentTest
{
    public SecurityExtensionsPageTests() => Services.AddSingleton(new ApiTokenService(Contexts, Time));

    [Fact]
    public async Task ThePlaybooksLink_OpensThePageOnThePlaybooksTab()
    {
        var bob = await Users.AddOrUpdateAsync("bob@contoso.com", PortalRole.SecurityOperator, "test");
        await AddPlaybookAsync(bob, "Bob's Logic App");
        SignIn(bob);
        Services.GetRequiredService<NavigationManager>().NavigateTo("/settings/security-extensions?tab=playbooks");

        var page = Render<SecurityExtensionsPage>();

        Assert.Equal(["API tokens", "Playbooks"], page.FindAll(".mud-tab").Select(t => t.TextContent.Trim()));
        Assert.Equal("Playbooks", page.Find(".mud-tab.mud-tab-active").TextContent.Trim());
        Assert.NotEmpty(page.FindAll("[data-testid=tab-playbooks]"));
        page.WaitForAssertion(() => Assert.Contains("Bob's Logic App", page.Markup));
        Assert.NotEmpty(page.FindAll("[data-testid=playbook-grid]"));
        Assert.Empty(page.FindAll("[data-testid=token-grid]"));
    }
}
