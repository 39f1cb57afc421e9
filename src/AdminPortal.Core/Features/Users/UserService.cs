using System.Security.Cryptography;
using AdminPortal.Core.Data;
using AdminPortal.Core.Features.Audit;
using Microsoft.EntityFrameworkCore;

namespace AdminPortal.Core.Features.Users;

/// <summary>Local users and their single-use sign-in links.</summary>
public sealed class UserService(IDbContextFactory<PortalDbContext> contexts, TimeProvider time)
{
    public static readonly TimeSpan SignInLinkLifetime = TimeSpan.FromMinutes(15);

    public async Task<User?> FindAsync(string upn, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var normalized = NormalizeUpn(upn);
        return await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Upn == normalized, cancellationToken);
    }

    public async Task<User?> FindByObjectIdAsync(string objectId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.ExternalObjectId == objectId, cancellationToken);
    }

    public async Task<User?> FindAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == id, cancellationToken);
    }

    /// <summary>Adds a local user, or changes the role of an existing one.</summary>
    public async Task<User> AddOrUpdateAsync(string upn, PortalRole role, string actor, CancellationToken cancellationToken = default)
    {
        var normalized = NormalizeUpn(upn);
        if (!IsPlausibleUpn(normalized))
            throw new ArgumentException($"'{upn}' is not a user principal name (expected name@domain).", nameof(upn));

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var user = await db.Users.SingleOrDefaultAsync(u => u.Upn == normalized, cancellationToken);
        if (user is null)
        {
            user = new User { Upn = normalized, Role = role, CreatedAt = time.GetUtcNow(), Source = UserSource.Local };
            db.Users.Add(user);
        }
        else
        {
            user.Role = role;
            user.IsDisabled = false;
        }
        new AuditLog(db, time).Add(actor, AuditActions.UserAdded, "User", normalized, $"role={role}");
        await db.SaveChangesAsync(cancellationToken);
        return user;
    }

    /// <summary>Makes sure the bootstrap admin exists when the users table is empty.</summary>
    public async Task<User> EnsureBootstrapAdminAsync(string upn, CancellationToken cancellationToken = default)
    {
        var existing = await FindAsync(upn, cancellationToken);
        return existing ?? await AddOrUpdateAsync(upn, PortalRole.GlobalAdmin, "system", cancellationToken);
    }

    /// <summary>Creates a single-use link secret for the user; only its hash is stored.</summary>
    public async Task<string> CreateSignInLinkAsync(string upn, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var normalized = NormalizeUpn(upn);
        var user = await db.Users.SingleOrDefaultAsync(u => u.Upn == normalized, cancellationToken)
            ?? throw new ArgumentException($"No user '{upn}'. Add one with: user add --upn {upn} --role GlobalAdmin", nameof(upn));
        if (user.IsDisabled)
            throw new ArgumentException($"User '{upn}' is disabled.", nameof(upn));

        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        var now = time.GetUtcNow();
        db.SignInLinks.Add(new SignInLink { UserId = user.Id, SecretHash = Hash(secret), CreatedAt = now, ExpiresAt = now + SignInLinkLifetime });
        new AuditLog(db, time).Add("system", AuditActions.SignInLinkIssued, "User", user.Upn);
        await db.SaveChangesAsync(cancellationToken);
        return secret;
    }

    /// <summary>
    /// Spends a link: a conditional update marks it used, so two requests racing with the same
    /// link cannot both succeed. Returns the user, or null when the link is unknown, used or expired.
    /// </summary>
    public async Task<User?> RedeemSignInLinkAsync(string secret, string? clientAddress, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(secret) || secret.Length > 100)
            return null;
        var hash = Hash(secret);
        var now = time.GetUtcNow();

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var link = await db.SignInLinks.AsNoTracking().SingleOrDefaultAsync(l => l.SecretHash == hash, cancellationToken);
        var spent = link is not null && link.UsedAt is null && link.ExpiresAt > now
            && await db.SignInLinks
                .Where(l => l.Id == link.Id && l.UsedAt == null)
                .ExecuteUpdateAsync(set => set.SetProperty(l => l.UsedAt, now), cancellationToken) == 1;

        var user = spent ? await db.Users.SingleOrDefaultAsync(u => u.Id == link!.UserId && !u.IsDisabled, cancellationToken) : null;
        var audit = new AuditLog(db, time);
        if (user is null)
        {
            var reason = link is null ? "unknown link"
                : link.ExpiresAt <= now ? "expired"
                : !spent ? "already used"
                : "user disabled";
            audit.Add("anonymous", AuditActions.SignInLinkRefused, "SignInLink", link?.Id.ToString(), reason, clientAddress);
        }
        else
        {
            user.LastSignInAt = now;
            audit.Add(user.Upn, AuditActions.SignIn, "User", user.Upn, "local sign-in link", clientAddress);
        }
        await db.SaveChangesAsync(cancellationToken);
        return user;
    }

    /// <summary>
    /// Records an Entra ID user at each sign-in (so they can be picked when sharing) with the
    /// highest portal role in their token. Entra decides roles: without one the user is disabled here,
    /// which also stops their API tokens.
    /// </summary>
    public async Task RecordEntraSignInAsync(string upn, string? displayName, string? objectId, IEnumerable<string> roles, string? clientAddress, CancellationToken cancellationToken = default)
    {
        var normalized = NormalizeUpn(upn);
        if (normalized.Length == 0)
            return;
        PortalRole? role = null;
        foreach (var value in roles)
        {
            if (PortalPolicies.TryParseRole(value, out var parsed) && (role is null || parsed > role))
                role = parsed;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        // The object id is the stable identity; a UPN can be renamed or given to someone else.
        var user = (objectId is null ? null : await db.Users.SingleOrDefaultAsync(u => u.ExternalObjectId == objectId, cancellationToken))
            ?? await db.Users.SingleOrDefaultAsync(u => u.Upn == normalized && (u.ExternalObjectId == null || u.ExternalObjectId == objectId), cancellationToken);
        var previousHolder = await db.Users.SingleOrDefaultAsync(u => u.Upn == normalized && (user == null || u.Id != user.Id), cancellationToken);
        if (user is null && role is null)
            return;
        if (previousHolder is not null)
        {
            // Another account had this UPN before: keep its history, free the name, stop its access.
            var renamed = $"replaced-{previousHolder.Id:N}-{normalized}";
            previousHolder.Upn = renamed[..Math.Min(renamed.Length, 256)];
            previousHolder.IsDisabled = true;
            await db.SaveChangesAsync(cancellationToken);
        }
        if (user is null)
        {
            user = new User { Upn = normalized, CreatedAt = time.GetUtcNow() };
            db.Users.Add(user);
        }
        user.Source = UserSource.EntraId;
        user.Upn = normalized;
        user.DisplayName = displayName ?? user.DisplayName;
        user.ExternalObjectId = objectId ?? user.ExternalObjectId;
        user.Role = role ?? user.Role;
        user.IsDisabled = role is null;
        user.LastSignInAt = time.GetUtcNow();
        new AuditLog(db, time).Add(normalized, AuditActions.SignIn, "User", normalized, role is null ? "Entra ID, no portal role" : $"Entra ID, role={role}", clientAddress);
        await db.SaveChangesAsync(cancellationToken);
    }

    public static string NormalizeUpn(string upn) => upn.Trim().ToLowerInvariant();

    public static bool IsPlausibleUpn(string upn) =>
        upn.Length is > 2 and <= 256 && upn.IndexOf('@') is > 0 and var at && at < upn.Length - 1
        && !upn.Any(c => char.IsWhiteSpace(c) || char.IsControl(c));

    private static byte[] Hash(string secret) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
