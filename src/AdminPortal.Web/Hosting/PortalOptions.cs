using System.ComponentModel.DataAnnotations;

namespace AdminPortal.Web.Hosting;

/// <summary>The <c>Portal</c> section.</summary>
public sealed class PortalOptions
{
    public const string Section = "Portal";

    /// <summary>
    /// The address users and playbooks reach the portal at (behind a proxy, the public one).
    /// Empty: the first address the server listens on.
    /// </summary>
    [Url]
    public string? BaseUrl { get; set; }
}

/// <summary>The <c>LocalMode</c> section: sign-in without Entra ID.</summary>
public sealed class LocalModeOptions
{
    public const string Section = "LocalMode";

    /// <summary>The bootstrap GlobalAdmin, created when missing; a sign-in link for it is printed at start.</summary>
    public string AdminUpn { get; set; } = "admin@localhost";
    /// <summary>Local mode has no second factor: it listens on loopback only unless this is set.</summary>
    public bool AllowRemote { get; set; }
}
