using AdminPortal.Core.Features.Users;
using AdminPortal.Web.Components.Layout;
using Bunit;

namespace AdminPortal.ComponentTests;

public sealed class NavMenuTests : PortalComponentTest
{
    [Theory]
    [InlineData(PortalRole.SecurityReader)]
    [InlineData(PortalRole.SecurityOperator)]
    [InlineData(PortalRole.GlobalAdmin)]
    public void NavMenu_ForEveryRole_ShowsAlertsPoliciesSecurityExtensionsAndEmail(PortalRole role)
    {
        var menu = RenderFor(role.ToString());

        Assert.Equal("/alerts", Link(menu, "Alerts")?.GetAttribute("href"));
        Assert.Equal("/policies", Link(menu, "Policies")?.GetAttribute("href"));
        Assert.Equal("/settings/security-extensions", Link(menu, "Security extensions")?.GetAttribute("href"));
        Assert.Equal("/settings/email", Link(menu, "E-mail")?.GetAttribute("href"));
    }

    [Theory]
    [InlineData(PortalRole.SecurityReader, false)]
    [InlineData(PortalRole.SecurityOperator, false)]
    [InlineData(PortalRole.GlobalAdmin, true)]
    public void NavMenu_ShowsTheAuditLog_OnlyToGlobalAdmins(PortalRole role, bool shown)
    {
        var menu = RenderFor(role.ToString());

        var auditLog = Link(menu, "Audit log");
        Assert.Equal(shown, auditLog is not null);
        if (shown)
            Assert.Equal("/audit", auditLog!.GetAttribute("href"));
    }

    [Fact]
    public void NavMenu_ForAnAnonymousUser_ShowsNoLinks()
    {
        var authorization = AddPortalAuthorization();
        authorization.SetNotAuthorized();
        UseInteractiveServer();

        var menu = Render<NavMenu>();

        Assert.Empty(menu.FindAll("a"));
        Assert.DoesNotContain("Alerts", menu.Markup);
        Assert.DoesNotContain("Audit log", menu.Markup);
    }

    [Theory]
    [InlineData()]
    [InlineData("SomeOtherAppRole")]
    [InlineData("Reader", "Admin")]
    public void NavMenu_ForASignedInUserWithoutAPortalRole_ShowsNoLinks(params string[] roles)
    {
        var menu = RenderFor(roles);

        Assert.Empty(menu.FindAll("a"));
    }

    private IRenderedComponent<NavMenu> RenderFor(params string[] roles)
    {
        var authorization = AddPortalAuthorization();
        authorization.SetAuthorized("ada@contoso.com");
        authorization.SetRoles(roles);
        UseInteractiveServer();
        return Render<NavMenu>();
    }

    private static AngleSharp.Dom.IElement? Link(IRenderedComponent<NavMenu> menu, string text) =>
        menu.FindAll("a").SingleOrDefault(a => a.TextContent.Trim() == text);
}
