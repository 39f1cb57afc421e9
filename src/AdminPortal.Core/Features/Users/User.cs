namespace AdminPortal.Core.Features.Users;

/// <summary>A person who signs in to the portal (locally or through Entra ID).</summary>
public sealed class User
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public required string Upn { get; set; }
    public string? DisplayName { get; set; }
    /// <summary>Entra ID object id (<c>oid</c>); null for local users.</summary>
    public string? ExternalObjectId { get; set; }
    public UserSource Source { get; set; } = UserSource.Local;
    public PortalRole Role { get; set; }
    public bool IsDisabled { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? LastSignInAt { get; set; }
}

public enum UserSource { Local, EntraId }
