namespace AdminPortal.Core.Features.Users;

/// <summary>A single-use sign-in link for local mode; only the SHA-256 hash of its secret is stored.</summary>
public sealed class SignInLink
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid UserId { get; set; }
    public User? User { get; set; }
    public required byte[] SecretHash { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? UsedAt { get; set; }
}
