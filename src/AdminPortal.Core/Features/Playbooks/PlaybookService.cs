using System.Net;
using AdminPortal.Core.Data;
using AdminPortal.Core.Features.Audit;
using AdminPortal.Core.Features.Dispatch;
using AdminPortal.Core.Features.Policies;
using AdminPortal.Core.Features.Users;
using FluentValidation;
using FluentValidation.Results;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AdminPortal.Core.Features.Playbooks;

/// <summary>Who is looking at playbooks: a user sees what they own or was shared with them (or their role); GlobalAdmins see all.</summary>
public sealed record PlaybookViewer(Guid UserId, string Upn, PortalRole Role)
{
    public bool IsGlobalAdmin => Role == PortalRole.GlobalAdmin;
}

/// <summary>Which playbooks a list shows: the viewer's own, those shared with them, or every one they may see.</summary>
public enum PlaybookScope { All, AuthoredByMe, SharedWithMe }

public enum PlaybookOutcome { Done, NotFound, Forbidden }

/// <summary>A playbook as lists and the API show it: the callback URL only masked, no secret.</summary>
public sealed record PlaybookRow(
    Guid Id, string Name, string? Description, PlaybookKind Kind, Guid OwnerId, string OwnerUpn, string CallbackUrlMasked,
    string? HeaderName, bool IsEnabled, string? DisabledReason, int LinkedPolicies, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    DateTimeOffset? LastDeliveryAt, int? LastStatusCode, bool CanManage);

/// <summary>A new webhook playbook; <see cref="SigningSecret"/> is shown this once.</summary>
public sealed record CreatedPlaybook(PlaybookRow Playbook, string SigningSecret);

/// <summary>The result of a connector registration: the playbook, and whether this call created it.</summary>
public sealed record FlowRegistration(PlaybookRow Playbook, bool Created);

/// <summary>One grant: a user or a role, with use or manage rights.</summary>
public sealed record PlaybookGrant(Guid? UserId, PortalRole? Role, PlaybookPermission Permission);

public sealed record PlaybookShareRow(Guid? UserId, string? UserUpn, PortalRole? Role, PlaybookPermission Permission);

/// <summary>A webhook playbook added by hand (Logic Apps, n8n, Node-RED, Tines, Shuffle, any HTTPS endpoint).</summary>
public sealed class WebhookPlaybookDraft
{
    public string Name { get; set; } = "";
    public string Url { get; set; } = "";
    public string? Description { get; set; }
    public string? HeaderName { get; set; }
    public string? HeaderValue { get; set; }
}

/// <summary>
/// Playbooks: registered by the Power Automate connector's trigger (<c>ms_flow</c>) or added by hand, shared with
/// users or roles, renamed, disabled, deleted (which unlinks their policies). Every change is audited with the
/// URL masked; callback URLs, header values and signing secrets are stored encrypted.
/// </summary>
public sealed class PlaybookService(
    IDbContextFactory<PortalDbContext> contexts, PlaybookSecrets secrets, IOptions<DispatchOptions> dispatch, TimeProvider time)
{
    public const int MaxUrlLength = 16_384;
    public const int MaxNameLength = 200;
    /// <summary>A rotated secret still signs deliveries this long, so receivers can switch without losing any.</summary>
    public static readonly TimeSpan PreviousSecretLifetime = TimeSpan.FromHours(24);

    public async Task<FlowRegistration> RegisterFlowAsync(PlaybookViewer viewer, string? callbackUrl, string? name, CancellationToken cancellationToken = default)
    {
        var errors = new List<ValidationFailure>();
        if (CallbackUrlError(callbackUrl) is { } urlError)
            errors.Add(new ValidationFailure("callback_url", urlError));
        if (name is not null && NameError(name) is { } nameError)
            errors.Add(new ValidationFailure("name", nameError));
        if (errors.Count > 0)
            throw new ValidationException(errors);

        var url = callbackUrl!.Trim();
        var hash = PlaybookSecrets.Hash(url);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        // Power Automate registers again when a flow is saved: the same URL is the same playbook.
        var existing = await db.Playbooks.AsNoTracking().Include(p => p.Owner)
            .Where(p => p.OwnerId == viewer.UserId && p.CallbackUrlHash == hash).FirstOrDefaultAsync(cancellationToken);
        if (existing is not null)
            return new FlowRegistration(await RowAsync(db, existing, viewer, cancellationToken), Created: false);

        var now = time.GetUtcNow();
        var playbook = new Playbook
        {
            Name = string.IsNullOrWhiteSpace(name) ? FlowName(url) : name.Trim(),
            OwnerId = viewer.UserId,
            Kind = PlaybookKind.PowerAutomateTrigger,
            CallbackUrlEncrypted = secrets.Protect(url),
            CallbackUrlHash = hash,
            CallbackUrlMasked = PlaybookSecrets.Mask(url),
            SigningSecretEncrypted = secrets.Protect(PlaybookSecrets.NewSigningSecret()),
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Playbooks.Add(playbook);
        Audit(db, viewer, AuditActions.PlaybookRegistered, playbook, $"Power Automate trigger '{playbook.Name}' registered for {playbook.CallbackUrlMasked}");
        await db.SaveChangesAsync(cancellationToken);
        playbook.Owner = await db.Users.FindAsync([viewer.UserId], cancellationToken);
        return new FlowRegistration(await RowAsync(db, playbook, viewer, cancellationToken), Created: true);
    }

    /// <summary>The connector's unsubscribe; only the owner (or an admin) may remove a registration.</summary>
    public Task<PlaybookOutcome> UnregisterFlowAsync(PlaybookViewer viewer, Guid id, CancellationToken cancellationToken = default) =>
        RemoveAsync(viewer, id, AuditActions.PlaybookUnregistered, cancellationToken);

    public async Task<CreatedPlaybook> CreateWebhookAsync(PlaybookViewer viewer, WebhookPlaybookDraft draft, CancellationToken cancellationToken = default)
    {
        var errors = new List<ValidationFailure>();
        if (NameError(draft.Name) is { } nameError)
            errors.Add(new ValidationFailure(nameof(draft.Name), nameError));
        if (CallbackUrlError(draft.Url) is { } urlError)
            errors.Add(new ValidationFailure(nameof(draft.Url), urlError));
        if (draft.Description?.Trim().Length > 1000)
            errors.Add(new ValidationFailure(nameof(draft.Description), "Description can have at most 1000 characters."));
        var headerName = string.IsNullOrWhiteSpace(draft.HeaderName) ? null : draft.HeaderName.Trim();
        if (headerName is not null && HeaderNameError(headerName) is { } headerError)
            errors.Add(new ValidationFailure(nameof(draft.HeaderName), headerError));
        if (headerName is not null && (string.IsNullOrEmpty(draft.HeaderValue) || draft.HeaderValue.Length > 2000 || draft.HeaderValue.Any(char.IsControl)))
            errors.Add(new ValidationFailure(nameof(draft.HeaderValue), "The header needs a value of at most 2000 characters, on one line."));
        if (headerName is null && !string.IsNullOrEmpty(draft.HeaderValue))
            errors.Add(new ValidationFailure(nameof(draft.HeaderName), "A header value needs a header name."));
        if (errors.Count > 0)
            throw new ValidationException(errors);

        var url = draft.Url.Trim();
        var secret = PlaybookSecrets.NewSigningSecret();
        var now = time.GetUtcNow();
        var playbook = new Playbook
        {
            Name = draft.Name.Trim(),
            Description = string.IsNullOrWhiteSpace(draft.Description) ? null : draft.Description.Trim(),
            OwnerId = viewer.UserId,
            Kind = PlaybookKind.Webhook,
            CallbackUrlEncrypted = secrets.Protect(url),
            CallbackUrlHash = PlaybookSecrets.Hash(url),
            CallbackUrlMasked = PlaybookSecrets.Mask(url),
            HeaderName = headerName,
            HeaderValueEncrypted = headerName is null ? null : secrets.Protect(draft.HeaderValue!),
            SigningSecretEncrypted = secrets.Protect(secret),
            CreatedAt = now,
            UpdatedAt = now,
        };
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        db.Playbooks.Add(playbook);
        Audit(db, viewer, AuditActions.PlaybookCreated, playbook, $"Webhook playbook '{playbook.Name}' added for {playbook.CallbackUrlMasked}");
        await db.SaveChangesAsync(cancellationToken);
        playbook.Owner = await db.Users.FindAsync([viewer.UserId], cancellationToken);
        return new CreatedPlaybook(await RowAsync(db, playbook, viewer, cancellationToken), secret);
    }

    public async Task<IReadOnlyList<PlaybookRow>> ListAsync(PlaybookViewer viewer, PlaybookScope scope = PlaybookScope.All, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var query = Visible(db, viewer);
        query = scope switch
        {
            PlaybookScope.AuthoredByMe => query.Where(p => p.OwnerId == viewer.UserId),
            PlaybookScope.SharedWithMe => query.Where(p => p.OwnerId != viewer.UserId
                && p.Shares.Any(s => s.UserId == viewer.UserId || s.Role == viewer.Role)),
            _ => query,
        };
        var playbooks = await query.Include(p => p.Owner).Include(p => p.Shares).OrderBy(p => p.Name).ToListAsync(cancellationToken);
        var ids = playbooks.Select(p => p.Id).ToList();
        var links = await LinkCountsAsync(db, ids, cancellationToken);
        return playbooks.Select(p => Row(p, links.GetValueOrDefault(p.Id), viewer)).ToList();
    }

    public async Task<PlaybookRow?> GetAsync(PlaybookViewer viewer, Guid id, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var playbook = await Visible(db, viewer).Include(p => p.Owner).Include(p => p.Shares).SingleOrDefaultAsync(p => p.Id == id, cancellationToken);
        return playbook is null ? null : await RowAsync(db, playbook, viewer, cancellationToken);
    }

    /// <summary>The names of the (not deleted) policies that send their alerts to this playbook.</summary>
    public async Task<IReadOnlyList<string>> LinkedPolicyNamesAsync(PlaybookViewer viewer, Guid id, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (!await Visible(db, viewer).AnyAsync(p => p.Id == id, cancellationToken))
            return [];
        return await db.PolicyPlaybooks.Where(l => l.PlaybookId == id)
            .Join(db.Policies.Where(p => p.DeletedAt == null), l => l.PolicyId, p => p.Id, (_, p) => p.Name)
            .OrderBy(n => n).ToListAsync(cancellationToken);
    }

    public async Task<PlaybookOutcome> RenameAsync(PlaybookViewer viewer, Guid id, string name, CancellationToken cancellationToken = default)
    {
        if (NameError(name) is { } error)
            throw new ValidationException([new ValidationFailure("name", error)]);
        return await ManageAsync(viewer, id, (db, playbook) =>
        {
            var before = playbook.Name;
            playbook.Name = name.Trim();
            Audit(db, viewer, AuditActions.PlaybookRenamed, playbook, $"Renamed from '{before}' to '{playbook.Name}'");
        }, cancellationToken);
    }

    public Task<PlaybookOutcome> SetEnabledAsync(PlaybookViewer viewer, Guid id, bool enabled, CancellationToken cancellationToken = default) =>
        ManageAsync(viewer, id, (db, playbook) =>
        {
            playbook.IsEnabled = enabled;
            if (enabled)
            {
                playbook.Health.DisabledReason = null;
                playbook.Health.ConsecutiveFailures = 0;
                // A fresh start: the next failure does not disable it again at once.
                playbook.Health.FailingSince = null;
            }
            else
                playbook.Health.DisabledReason = $"Disabled by {viewer.Upn}";
            Audit(db, viewer, enabled ? AuditActions.PlaybookEnabled : AuditActions.PlaybookDisabled, playbook, null);
        }, cancellationToken);

    /// <summary>Deletes a playbook; the policies linked to it are unlinked (and keep their other playbooks).</summary>
    public Task<PlaybookOutcome> DeleteAsync(PlaybookViewer viewer, Guid id, CancellationToken cancellationToken = default) =>
        RemoveAsync(viewer, id, AuditActions.PlaybookDeleted, cancellationToken);

    /// <summary>Replaces the playbook's grants.</summary>
    public async Task<PlaybookOutcome> ShareAsync(PlaybookViewer viewer, Guid id, IReadOnlyList<PlaybookGrant> grants, CancellationToken cancellationToken = default)
    {
        var errors = new List<ValidationFailure>();
        for (var i = 0; i < grants.Count; i++)
            if (grants[i].UserId is null == grants[i].Role is null)
                errors.Add(new ValidationFailure($"shares[{i}]", "A grant names either a user or a role."));
        if (errors.Count > 0)
            throw new ValidationException(errors);

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var userIds = grants.Where(g => g.UserId is not null).Select(g => g.UserId!.Value).Distinct().ToList();
        var known = await db.Users.Where(u => userIds.Contains(u.Id) && !u.IsDisabled).Select(u => new { u.Id, u.Upn }).ToDictionaryAsync(u => u.Id, u => u.Upn, cancellationToken);
        for (var i = 0; i < grants.Count; i++)
            if (grants[i].UserId is { } userId && !known.ContainsKey(userId))
                errors.Add(new ValidationFailure($"shares[{i}].userId", $"There is no active user with id {userId}."));
        if (errors.Count > 0)
            throw new ValidationException(errors);

        return await ManageAsync(db, viewer, id, (_, playbook) =>
        {
            db.PlaybookShares.RemoveRange(playbook.Shares);
            var now = time.GetUtcNow();
            foreach (var grant in grants.DistinctBy(g => (g.UserId, g.Role)))
                db.PlaybookShares.Add(new PlaybookShare
                {
                    PlaybookId = playbook.Id, UserId = grant.UserId, Role = grant.Role, Permission = grant.Permission, GrantedAt = now, GrantedBy = viewer.Upn,
                });
            var described = grants.Select(g => $"{(g.UserId is { } u ? known[u] : "role " + g.Role)} ({g.Permission})");
            Audit(db, viewer, AuditActions.PlaybookShared, playbook, grants.Count == 0 ? "Sharing removed" : "Shared with " + string.Join(", ", described));
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<PlaybookShareRow>> SharesAsync(PlaybookViewer viewer, Guid id, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (!await Visible(db, viewer).AnyAsync(p => p.Id == id, cancellationToken))
            return [];
        return await db.PlaybookShares.Where(s => s.PlaybookId == id)
            .Select(s => new PlaybookShareRow(s.UserId, db.Users.Where(u => u.Id == s.UserId).Select(u => u.Upn).FirstOrDefault(), s.Role, s.Permission))
            .ToListAsync(cancellationToken);
    }

    /// <summary>A new signing secret (shown once); the old one keeps signing for <see cref="PreviousSecretLifetime"/>.</summary>
    public async Task<(PlaybookOutcome Outcome, string? Secret)> RotateSecretAsync(PlaybookViewer viewer, Guid id, CancellationToken cancellationToken = default)
    {
        var secret = PlaybookSecrets.NewSigningSecret();
        var outcome = await ManageAsync(viewer, id, (db, playbook) =>
        {
            playbook.PreviousSigningSecretEncrypted = playbook.SigningSecretEncrypted;
            playbook.PreviousSecretExpiresAt = time.GetUtcNow() + PreviousSecretLifetime;
            playbook.SigningSecretEncrypted = secrets.Protect(secret);
            Audit(db, viewer, AuditActions.PlaybookSecretRotated, playbook, "Signing secret rotated; the previous one stays valid for 24 hours");
        }, cancellationToken);
        return (outcome, outcome == PlaybookOutcome.Done ? secret : null);
    }

    /// <summary>Of <paramref name="ids"/>, those the viewer may not use (unknown, or neither owned nor shared).</summary>
    public async Task<IReadOnlyList<Guid>> NotUsableAsync(PlaybookViewer viewer, IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken = default)
    {
        if (ids.Count == 0)
            return [];
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var usable = await Visible(db, viewer).Where(p => ids.Contains(p.Id)).Select(p => p.Id).ToListAsync(cancellationToken);
        return ids.Except(usable).ToList();
    }

    /// <summary>Why a callback URL cannot be used, naming the setting that would allow it; null when it can.</summary>
    public string? CallbackUrlError(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
            return "A callback URL is required.";
        url = url.Trim();
        if (url.Length > MaxUrlLength)
            return $"The callback URL can have at most {MaxUrlLength:N0} characters.";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || string.IsNullOrEmpty(uri.Host))
            return "The callback URL must be an absolute http:// or https:// URL.";
        if (uri.UserInfo.Length > 0)
            return "The callback URL must not carry a user name or password; use the extra header for credentials.";
        if (uri.Scheme == "http" && !dispatch.Value.AllowHttp)
            return "The callback URL must use https:// (set Dispatch:AllowHttp to allow plain http).";
        var address = uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 ? IPAddress.Parse(uri.IdnHost.Trim('[', ']'))
            : uri.IsLoopback ? IPAddress.Loopback : null;
        return address is null ? null : NetworkRules.Refusal(address, dispatch.Value.ParsedAllowedNetworks()) is { } refusal
            ? $"The callback URL points at a network the dispatcher may not reach: {refusal}" : null;
    }

    private static string? NameError(string? name) =>
        string.IsNullOrWhiteSpace(name) ? "A name is required."
        : name.Trim().Length > MaxNameLength ? $"The name can have at most {MaxNameLength} characters."
        : name.Any(char.IsControl) ? "The name must be on one line."
        : null;

    private static string? HeaderNameError(string name) =>
        name.Length > 100 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_') ? "The header name may use letters, digits, '-' and '_' (at most 100)."
        : name.StartsWith("webhook-", StringComparison.OrdinalIgnoreCase) || name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)
          || name.Equals("Host", StringComparison.OrdinalIgnoreCase) || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)
            ? $"'{name}' is set by the dispatcher itself."
        : null;

    /// <summary>"Power Automate flow 1a2b3c4d" from <c>…/workflows/1a2b3c4d…/triggers/…</c>; the portal can rename it.</summary>
    private static string FlowName(string url)
    {
        var segments = new Uri(url).AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var index = Array.FindIndex(segments, s => s.Equals("workflows", StringComparison.OrdinalIgnoreCase));
        var workflow = index >= 0 && index + 1 < segments.Length ? segments[index + 1] : null;
        return workflow is null ? $"Power Automate flow ({new Uri(url).Host})" : $"Power Automate flow {workflow[..Math.Min(8, workflow.Length)]}";
    }

    private static IQueryable<Playbook> Visible(PortalDbContext db, PlaybookViewer viewer) =>
        viewer.IsGlobalAdmin
            ? db.Playbooks
            : db.Playbooks.Where(p => p.OwnerId == viewer.UserId || p.Shares.Any(s => s.UserId == viewer.UserId || s.Role == viewer.Role));

    private static bool CanManage(Playbook playbook, PlaybookViewer viewer) =>
        viewer.IsGlobalAdmin || playbook.OwnerId == viewer.UserId
        || playbook.Shares.Any(s => (s.UserId == viewer.UserId || s.Role == viewer.Role) && s.Permission == PlaybookPermission.Manage);

    private async Task<PlaybookOutcome> ManageAsync(PlaybookViewer viewer, Guid id, Action<PortalDbContext, Playbook> change, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await ManageAsync(db, viewer, id, change, cancellationToken);
    }

    private async Task<PlaybookOutcome> ManageAsync(PortalDbContext db, PlaybookViewer viewer, Guid id, Action<PortalDbContext, Playbook> change, CancellationToken cancellationToken)
    {
        var playbook = await Visible(db, viewer).Include(p => p.Shares).SingleOrDefaultAsync(p => p.Id == id, cancellationToken);
        if (playbook is null)
            return PlaybookOutcome.NotFound;
        if (!CanManage(playbook, viewer))
            return PlaybookOutcome.Forbidden;
        change(db, playbook);
        playbook.UpdatedAt = time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        return PlaybookOutcome.Done;
    }

    private async Task<PlaybookOutcome> RemoveAsync(PlaybookViewer viewer, Guid id, string action, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var playbook = await Visible(db, viewer).Include(p => p.Shares).SingleOrDefaultAsync(p => p.Id == id, cancellationToken);
        if (playbook is null)
            return PlaybookOutcome.NotFound;
        if (!CanManage(playbook, viewer))
            return PlaybookOutcome.Forbidden;
        var links = await db.PolicyPlaybooks.Where(l => l.PlaybookId == id).ToListAsync(cancellationToken);
        var policyIds = links.Select(l => l.PolicyId).ToList();
        var policies = await db.Policies.Where(p => policyIds.Contains(p.Id)).ToListAsync(cancellationToken);
        // Unlinking changes each policy: a form open on it must see a new version.
        foreach (var policy in policies)
            policy.Version = Guid.NewGuid();
        db.PolicyPlaybooks.RemoveRange(links);
        db.Playbooks.Remove(playbook);
        var unlinked = policies.Count == 0 ? "" : "; unlinked from " + string.Join(", ", policies.Select(p => $"'{p.Name}'"));
        Audit(db, viewer, action, playbook, $"'{playbook.Name}' ({playbook.CallbackUrlMasked}) removed{unlinked}");
        await db.SaveChangesAsync(cancellationToken);
        return PlaybookOutcome.Done;
    }

    private async Task<PlaybookRow> RowAsync(PortalDbContext db, Playbook playbook, PlaybookViewer viewer, CancellationToken cancellationToken)
    {
        playbook.Owner ??= await db.Users.FindAsync([playbook.OwnerId], cancellationToken);
        var links = await LinkCountsAsync(db, [playbook.Id], cancellationToken);
        return Row(playbook, links.GetValueOrDefault(playbook.Id), viewer);
    }

    private static async Task<Dictionary<Guid, int>> LinkCountsAsync(PortalDbContext db, List<Guid> ids, CancellationToken cancellationToken) =>
        await db.PolicyPlaybooks.Where(l => ids.Contains(l.PlaybookId))
            .Join(db.Policies.Where(p => p.DeletedAt == null), l => l.PolicyId, p => p.Id, (l, _) => l.PlaybookId)
            .GroupBy(id => id).Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);

    private static PlaybookRow Row(Playbook p, int linkedPolicies, PlaybookViewer viewer) => new(
        p.Id, p.Name, p.Description, p.Kind, p.OwnerId, p.Owner?.Upn ?? "", p.CallbackUrlMasked, p.HeaderName, p.IsEnabled,
        p.Health.DisabledReason, linkedPolicies, p.CreatedAt, p.UpdatedAt, p.Health.LastDeliveryAt, p.Health.LastStatusCode, CanManage(p, viewer));

    private void Audit(PortalDbContext db, PlaybookViewer viewer, string action, Playbook playbook, string? details) =>
        new AuditLog(db, time).Add(viewer.Upn, action, "Playbook", playbook.Id.ToString(), details);
}
