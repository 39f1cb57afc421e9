namespace AdminPortal.Core.Features.ApiTokens;

/// <summary>As the MCAS tokens page shows them, plus Expired and Revoked.</summary>
public enum ApiTokenStatus { Generated, Active, Inactive, Expired, Revoked }

public static class ApiTokenStatusRule
{
    /// <summary>"Active" means used within this long.</summary>
    public static readonly TimeSpan ActiveWindow = TimeSpan.FromDays(7);

    public static ApiTokenStatus Of(DateTimeOffset? revokedAt, DateTimeOffset? expiresAt, DateTimeOffset? lastUsedAt, DateTimeOffset now) =>
        revokedAt is not null ? ApiTokenStatus.Revoked
        : expiresAt <= now ? ApiTokenStatus.Expired
        : lastUsedAt is null ? ApiTokenStatus.Generated
        : now - lastUsedAt <= ActiveWindow ? ApiTokenStatus.Active
        : ApiTokenStatus.Inactive;

    public static ApiTokenStatus Of(ApiToken token, DateTimeOffset now) => Of(token.RevokedAt, token.ExpiresAt, token.LastUsedAt, now);
}
