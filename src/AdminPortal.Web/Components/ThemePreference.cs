namespace AdminPortal.Web.Components;

/// <summary>The theme the browser asked for when the page loaded (a cookie, so it survives sign-out).</summary>
public sealed record ThemePreference(bool DarkMode)
{
    public const string CookieName = "AdminPortal.Theme";
}
