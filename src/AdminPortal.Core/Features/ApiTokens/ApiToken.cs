using AdminPortal.Core.Features.Users;

namespace AdminPortal.Core.Features.ApiTokens;

/// <summary>An API token; only the SHA-256 hash and a short prefix of its value are kept.</summary>
public sealed class ApiToken
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public required string Name { get; set; }
    public Guid OwnerId { get; set; }
    public User? Owner { get; set; }
    public required byte[] ValueHash { get; set; }
    /// <summary>First characters of the value, to tell tokens apart in the grid.</summary>
    public required string Prefix { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? LastUsedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }
}
