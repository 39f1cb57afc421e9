using AdminPortal.Core.Features.Users;

namespace AdminPortal.Core.Features.Playbooks;

/// <summary>An automation flow that receives alerts. Its callback URL and signing secret are secrets, stored encrypted.</summary>
public sealed class Playbook
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public required string Name { get; set; }
    public string? Description { get; set; }
    public Guid OwnerId { get; set; }
    public User? Owner { get; set; }
    public PlaybookKind Kind { get; set; }
    /// <summary>Encrypted callback URL (Power Automate and Logic Apps URLs carry a <c>sig=</c> key).</summary>
    public required string CallbackUrlEncrypted { get; set; }
    /// <summary>SHA-256 of the callback URL: finds a re-registration without decrypting every row.</summary>
    public required byte[] CallbackUrlHash { get; set; }
    /// <summary>Scheme, host and path start only; safe to show.</summary>
    public required string CallbackUrlMasked { get; set; }
    /// <summary>An extra header sent with every delivery (e.g. an API key the receiver checks).</summary>
    public string? HeaderName { get; set; }
    /// <summary>Encrypted value of <see cref="HeaderName"/>.</summary>
    public string? HeaderValueEncrypted { get; set; }
    /// <summary>Encrypted <c>whsec_…</c> secret.</summary>
    public required string SigningSecretEncrypted { get; set; }
    /// <summary>The secret before the last rotation, still signed with until <see cref="PreviousSecretExpiresAt"/>.</summary>
    public string? PreviousSigningSecretEncrypted { get; set; }
    public DateTimeOffset? PreviousSecretExpiresAt { get; set; }
    public bool IsEnabled { get; set; } = true;
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public PlaybookHealth Health { get; set; } = new();
    public List<PlaybookShare> Shares { get; set; } = [];
}

public enum PlaybookKind { PowerAutomateTrigger, Webhook }

/// <summary>Use: see the playbook and send a policy's alerts to it. Manage: also rename, share, disable, delete.</summary>
public enum PlaybookPermission { Use, Manage }

public sealed class PlaybookHealth
{
    public DateTimeOffset? LastDeliveryAt { get; set; }
    public int? LastStatusCode { get; set; }
    public DateTimeOffset? LastSuccessAt { get; set; }
    public int ConsecutiveFailures { get; set; }
    /// <summary>
    /// The first failure since the last success (or since the playbook was enabled); null while the last attempt
    /// succeeded. The dispatcher disables a playbook whose failures have gone on for Dispatch:DisableAfterNoSuccess.
    /// </summary>
    public DateTimeOffset? FailingSince { get; set; }
    public string? DisabledReason { get; set; }
}

/// <summary>Grants a user, or everyone with a role, the right to see and use a playbook.</summary>
public sealed class PlaybookShare
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid PlaybookId { get; set; }
    public Guid? UserId { get; set; }
    public PortalRole? Role { get; set; }
    public PlaybookPermission Permission { get; set; } = PlaybookPermission.Use;
    public DateTimeOffset GrantedAt { get; set; }
    public string GrantedBy { get; set; } = "";
}
