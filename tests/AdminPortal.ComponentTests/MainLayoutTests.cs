using AdminPortal.Web.Components;
using AdminPortal.Web.Components.Layout;
using Bunit;
using Microsoft.AspNetCore.Components;
using MudBlazor.Extensions;

namespace AdminPortal.ComponentTests;

public sealed class MainLayoutTests : PortalComponentTest
{
    private const string ThemeModule = "/assets/js/theme.js";

    [Fact]
    public void MainLayout_ShowsTheProductNameTheDarkModeToggleAndThePage()
    {
        var layout = RenderLayout(new ThemePreference(false));

        Assert.Contains(layout.FindAll("h6"), h => h.TextContent.Trim() == "AdminPortal");
        Assert.NotNull(layout.Find("button[data-testid=dark-mode-toggle]"));
        Assert.Equal("page", layout.Find("[data-dark-mode]").TextContent.Trim());
    }

    [Fact]
    public void MainLayout_WhenInteractive_RendersTheCircuitReadyMarker()
    {
        var layout = RenderLayout(new ThemePreference(false));

        Assert.Single(layout.FindAll("[data-testid=circuit-ready]"));
    }

    [Fact]
    public void MainLayout_WhenPrerenderedStatically_HasNoCircuitReadyMarker()
    {
        var layout = RenderLayout(new ThemePreference(false), interactive: false);

        Assert.Empty(layout.FindAll("[data-testid=circuit-ready]"));
    }

    [Fact]
    public void MainLayout_WithALightThemePreference_StartsLight()
    {
        var layout = RenderLayout(new ThemePreference(false));

        Assert.Equal("false", layout.Find("[data-dark-mode]").GetAttribute("data-dark-mode"));
        Assert.False(layout.FindComponent<MudBlazor.MudThemeProvider>().Instance.GetState(t => t.IsDarkMode));
    }

    [Fact]
    public void MainLayout_WithADarkThemePreference_StartsDark()
    {
        var layout = RenderLayout(new ThemePreference(true));

        Assert.Equal("true", layout.Find("[data-dark-mode]").GetAttribute("data-dark-mode"));
        Assert.True(layout.FindComponent<MudBlazor.MudThemeProvider>().Instance.GetState(t => t.IsDarkMode));
    }

    [Fact]
    public void MainLayout_WithoutAThemePreference_StartsLight()
    {
        var authorization = AddPortalAuthorization();
        authorization.SetAuthorized("ada@contoso.com");
        UseInteractiveServer();

        var layout = Render<MainLayout>(p => p.Add(l => l.Body, (RenderFragment)(b => b.AddContent(0, "page"))));

        Assert.Equal("false", layout.Find("[data-dark-mode]").GetAttribute("data-dark-mode"));
    }

    [Fact]
    public void ClickingTheDarkModeToggle_SwitchesToDarkAndRemembersIt()
    {
        var theme = JSInterop.SetupModule(ThemeModule);
        theme.SetupVoid("rememberDarkMode", true).SetVoidResult();
        var layout = RenderLayout(new ThemePreference(false));

        layout.Find("button[data-testid=dark-mode-toggle]").Click();

        layout.WaitForAssertion(() => Assert.Equal("true", layout.Find("[data-dark-mode]").GetAttribute("data-dark-mode")));
        Assert.True(layout.FindComponent<MudBlazor.MudThemeProvider>().Instance.GetState(t => t.IsDarkMode));
        var remembered = Assert.Single(theme.Invocations["rememberDarkMode"]);
        Assert.Equal([true], remembered.Arguments);
    }

    [Fact]
    public void ClickingTheDarkModeToggleTwice_SwitchesBackToLightAndRemembersEachChange()
    {
        var theme = JSInterop.SetupModule(ThemeModule);
        theme.SetupVoid("rememberDarkMode", _ => true).SetVoidResult();
        var layout = RenderLayout(new ThemePreference(true));

        layout.Find("button[data-testid=dark-mode-toggle]").Click();
        layout.WaitForAssertion(() => Assert.Equal("false", layout.Find("[data-dark-mode]").GetAttribute("data-dark-mode")));
        layout.Find("button[data-testid=dark-mode-toggle]").Click();
        layout.WaitForAssertion(() => Assert.Equal("true", layout.Find("[data-dark-mode]").GetAttribute("data-dark-mode")));

        Assert.Equal([false, true], theme.Invocations["rememberDarkMode"].Select(i => (bool)i.Arguments[0]!));
        // The module is imported once and kept.
        Assert.Single(JSInterop.Invocations["import"]);
    }

    private IRenderedComponent<MainLayout> RenderLayout(ThemePreference preference, bool interactive = true)
    {
        var authorization = AddPortalAuthorization();
        authorization.SetAuthorized("ada@contoso.com");
        authorization.SetRoles("GlobalAdmin");
        SetRendererInfo(new RendererInfo(interactive ? "Server" : "Static", interactive));

        var root = Render<CascadingValue<ThemePreference>>(p => p
            .Add(c => c.Value, preference)
            .Add(c => c.IsFixed, true)
            .AddChildContent<MainLayout>(l => l.Add(x => x.Body, (RenderFragment)(b => b.AddContent(0, "page")))));
        return root.FindComponent<MainLayout>();
    }
}
