using MudBlazor;

namespace AdminPortal.Web.Components.Layout;

public static class PortalTheme
{
    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight { Primary = "#0f6cbd", AppbarBackground = "#0f6cbd" },
        PaletteDark = new PaletteDark { Primary = "#479ef5", AppbarBackground = "#1f1f1f" },
    };
}
