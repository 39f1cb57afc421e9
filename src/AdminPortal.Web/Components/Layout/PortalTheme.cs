using MudBlazor;

namespace AdminPortal.Web.Components.Layout;

/// <summary>
/// The portal's colours. Every text/background pair meets WCAG AA (4.5:1), which axe checks on every main page in
/// both modes: in light mode the status colours are dark enough for white text; in dark mode they are light, with
/// dark text on them.
/// </summary>
public static class PortalTheme
{
    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#0f6cbd", AppbarBackground = "#0f6cbd",
            Error = "#c62828", Warning = "#b45309", Success = "#2e7d32", Info = "#0277bd",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#8ac4ff", PrimaryContrastText = "#0b1a2b", AppbarBackground = "#1f1f1f",
            Error = "#ff8a80", ErrorContrastText = "#1a0000", Warning = "#ffb74d", WarningContrastText = "#1f1300",
            Success = "#81c784", SuccessContrastText = "#0a1f0b", Info = "#81d4fa", InfoContrastText = "#001f2b",
            TextSecondary = "rgba(255,255,255,0.74)", ActionDefault = "rgba(255,255,255,0.74)",
        },
    };
}
