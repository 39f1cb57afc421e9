using AdminPortal.Core.Data;
using AdminPortal.Core.Features.Audit;
using AdminPortal.Core.Features.Users;
using FluentValidation;
using FluentValidation.Results;
using Microsoft.EntityFrameworkCore;

namespace AdminPortal.Core.Features.ApiTokens;

/// <summary>Who is looking at or changing tokens: GlobalAdmins act on everyone's, others on their own.</summary>
public sealed record ApiTokenViewer(Guid UserId, string Upn, bool IsGlobalAdmin);

public sealed record ApiTokenRow(
    Guid Id, string Name, string Prefix, Guid OwnerId, string OwnerUpn, DateTimeOffset CreatedAt,
    DateTimeOffset? LastUsedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, ApiTokenStatus Status);

/// <summary>A new token; <see cref="Value"/> exists only here, once.</summary>
public sealed record CreatedApiToken(ApiTokenRow Token, string Value);

public enum ApiTokenFailure { Malformed, Unknown, Revoked, Expired, OwnerDisabled }

public sealed record ApiTokenAuthentication(ApiTokenFailure? Failure, ApiToken? Token = null, User? Owner = null)
{
    public bool Succeeded => Failure is null;
}

public sealed class ApiTokenService(IDbContextFactory<PortalDbContext> contexts, TimeProvider time)
{
    /// <summary>"Last used" is written at most this often per token: not a write on every request.</summary>
    public static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    private static readonly CreateApiTokenValidator Validator = new();

    public async Task<CreatedApiToken> CreateAsync(Guid ownerId, CreateApiTokenRequest request, string actor, CancellationToken cancellationToken = default)
    {
        await Validator.ValidateAndThrowAsync(request, cancellationToken);
        var name = request.Name.Trim();

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var owner = await db.Users.SingleOrDefaultAsync(u => u.Id == ownerId && !u.IsDisabled, cancellationToken)
            ?? throw new ArgumentException("The token's owner does not exist or is disabled.", nameof(ownerId));
        // "n8n" and "N8N" are the same name to a person reading the grid.
        var lowerName = name.ToLowerInvariant();
        if (await db.ApiTokens.AnyAsync(t => t.OwnerId == ownerId && t.Name.ToLower() == lowerName && t.RevokedAt == null, cancellationToken))
            throw new ValidationException([new ValidationFailure(nameof(CreateApiTokenRequest.Name), $"You already have a token named '{name}'.")]);

        var value = ApiTokenValues.Generate();
        var now = time.GetUtcNow();
        var token = new ApiToken
        {
            Name = name,
            OwnerId = ownerId,
            ValueHash = ApiTokenValues.Hash(value),
            Prefix = ApiTokenValues.Prefix(value),
            CreatedAt = now,
            ExpiresAt = request.ExpiresInDays is { } days ? now.AddDays(days) : null,
        };
        db.ApiTokens.Add(token);
        new AuditLog(db, time).Add(actor, AuditActions.ApiTokenCreated, "ApiToken", token.Id.ToString(), Describe(token, owner.Upn));
        await db.SaveChangesAsync(cancellationToken);
        return new CreatedApiToken(Row(token, owner.Upn, now), value);
    }

    public async Task<IReadOnlyList<ApiTokenRow>> ListAsync(ApiTokenViewer viewer, ApiTokenStatus? status = null, string? ownerUpn = null, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var query = db.ApiTokens.AsNoTracking();
        if (!viewer.IsGlobalAdmin)
            query = query.Where(t => t.OwnerId == viewer.UserId);
        if (!string.IsNullOrWhiteSpace(ownerUpn))
        {
            var owner = UserService.NormalizeUpn(ownerUpn);
            query = query.Where(t => t.Owner!.Upn.Contains(owner));
        }
        var tokens = await query
            .Select(t => new { Token = t, OwnerUpn = t.Owner!.Upn })
            .ToListAsync(cancellationToken);

        var now = time.GetUtcNow();
        return tokens
            .Select(t => Row(t.Token, t.OwnerUpn, now))
            .Where(row => status is null || row.Status == status)
            .OrderByDescending(row => row.CreatedAt)
            .ToList();
    }

    /// <summary>Revokes at once; false when there is no such token the viewer may revoke (or it was already revoked).</summary>
    public async Task<bool> RevokeAsync(Guid tokenId, ApiTokenViewer viewer, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var token = await db.ApiTokens.Include(t => t.Owner)
            .SingleOrDefaultAsync(t => t.Id == tokenId && (viewer.IsGlobalAdmin || t.OwnerId == viewer.UserId), cancellationToken);
        if (token is null || token.RevokedAt is not null)
            return false;
        token.RevokedAt = time.GetUtcNow();
        new AuditLog(db, time).Add(viewer.Upn, AuditActions.ApiTokenRevoked, "ApiToken", token.Id.ToString(), Describe(token, token.Owner!.Upn));
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    /// <summary>Finds the token by the hash of its value and checks it and its owner can act now.</summary>
    public async Task<ApiTokenAuthentication> AuthenticateAsync(string value, string? clientAddress, CancellationToken cancellationToken = default)
    {
        if (!ApiTokenValues.IsWellFormed(value))
            return new(ApiTokenFailure.Malformed);

        var hash = ApiTokenValues.Hash(value);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var token = await db.ApiTokens.AsNoTracking().Include(t => t.Owner).SingleOrDefaultAsync(t => t.ValueHash == hash, cancellationToken);
        if (token is null || !ApiTokenValues.Matches(token.ValueHash, value))
            return new(ApiTokenFailure.Unknown);

        var now = time.GetUtcNow();
        var failure = ApiTokenStatusRule.Of(token, now) switch
        {
            ApiTokenStatus.Revoked => ApiTokenFailure.Revoked,
            ApiTokenStatus.Expired => ApiTokenFailure.Expired,
            _ when token.Owner is not { IsDisabled: false } => ApiTokenFailure.OwnerDisabled,
            _ => (ApiTokenFailure?)null,
        };
        if (failure == ApiTokenFailure.Revoked)
        {
            new AuditLog(db, time).Add(token.Owner!.Upn, AuditActions.ApiTokenUsedAfterRevocation, "ApiToken", token.Id.ToString(),
                Describe(token, token.Owner.Upn), clientAddress);
            await db.SaveChangesAsync(cancellationToken);
        }
        if (failure is not null)
            return new(failure, token, token.Owner);

        if (token.LastUsedAt is not { } lastUsed || now - lastUsed >= LastUsedResolution)
        {
            await db.ApiTokens.Where(t => t.Id == token.Id)
                .ExecuteUpdateAsync(set => set.SetProperty(t => t.LastUsedAt, now), cancellationToken);
        }
        return new(null, token, token.Owner);
    }

    private static ApiTokenRow Row(ApiToken token, string ownerUpn, DateTimeOffset now) =>
        new(token.Id, token.Name, token.Prefix, token.OwnerId, ownerUpn, token.CreatedAt, token.LastUsedAt, token.ExpiresAt, token.RevokedAt,
            ApiTokenStatusRule.Of(token, now));

    /// <summary>For the audit log: name and prefix, never the value.</summary>
    private static string Describe(ApiToken token, string ownerUpn) => $"name={token.Name}; prefix={token.Prefix}; owner={ownerUpn}";
}
