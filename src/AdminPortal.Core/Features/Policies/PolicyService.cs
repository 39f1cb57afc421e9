using AdminPortal.Core.Data;
using AdminPortal.Core.Features.Alerts;
using AdminPortal.Core.Features.Audit;
using FluentValidation;
using Microsoft.EntityFrameworkCore;

namespace AdminPortal.Core.Features.Policies;

public sealed record PolicyListFilter(
    PolicyCategory? Category = null, string? Name = null, PolicyType? Type = null, bool? Enabled = null, AlertSeverity? Severity = null);

/// <summary>A line of the Policies page.</summary>
public sealed record PolicyRow(
    string Id, string Name, string Description, PolicyType Type, PolicyCategory Category, AlertSeverity Severity, bool IsEnabled,
    int OpenAlerts, int AlertsToday, int SuppressedToday, bool CreatesAlerts, bool SendsEmail, int PlaybookCount,
    DateTimeOffset ModifiedAt, string ModifiedBy, Guid Version)
{
    /// <summary>The Action column: what a match does.</summary>
    public string Action => !CreatesAlerts ? "None"
        : string.Join(", ", new[] { "Alert", SendsEmail ? "Email" : null, PlaybookCount > 0 ? $"Playbooks ({PlaybookCount})" : null }.OfType<string>());
}

public enum PolicyChangeStatus { Done, NotFound, Conflict }

public sealed record PolicyChange(PolicyChangeStatus Status, Policy? Policy = null);

/// <summary>Creates, changes and lists policies; every change is audited and renews the concurrency token.</summary>
public sealed class PolicyService(IDbContextFactory<PortalDbContext> contexts, TimeProvider time)
{
    private static readonly PolicyValidator Validator = new();
    private static readonly PolicyAlertSettingsValidator AlertSettingsValidator = new();

    public async Task<IReadOnlyList<PolicyRow>> ListAsync(PolicyListFilter filter, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var query = db.Policies.AsNoTracking().Where(p => p.DeletedAt == null);
        if (filter.Category is { } category)
            query = query.Where(p => p.Category == category);
        if (filter.Type is { } type)
            query = query.Where(p => p.Type == type);
        if (filter.Enabled is { } enabled)
            query = query.Where(p => p.IsEnabled == enabled);
        if (filter.Severity is { } severity)
            query = query.Where(p => p.Severity == severity);
        if (!string.IsNullOrWhiteSpace(filter.Name))
        {
            var name = filter.Name.Trim().ToLower();
            query = query.Where(p => p.Name.ToLower().Contains(name));
        }
        var policies = await query.Select(p => new
        {
            p.Id, p.Name, p.Description, p.Type, p.Category, p.Severity, p.IsEnabled,
            p.AlertSettings.CreateAlertForEachMatch, p.AlertSettings.SendEmail, Playbooks = p.Playbooks.Count,
            p.ModifiedAt, p.ModifiedBy, p.Version,
        }).ToListAsync(cancellationToken);

        var ids = policies.Select(p => p.Id).ToList();
        var open = await db.Alerts.Where(a => a.ResolutionStatus == ResolutionStatus.Open && ids.Contains(a.PolicyId))
            .GroupBy(a => a.PolicyId).Select(g => new { PolicyId = g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.PolicyId, g => g.Count, cancellationToken);
        var today = Today();
        var counts = await db.PolicyDailyCounts.AsNoTracking().Where(c => c.Day == today && ids.Contains(c.PolicyId))
            .ToDictionaryAsync(c => c.PolicyId, cancellationToken);

        return policies
            .Select(p => new PolicyRow(p.Id, p.Name, p.Description, p.Type, p.Category, p.Severity, p.IsEnabled,
                open.GetValueOrDefault(p.Id), counts.GetValueOrDefault(p.Id)?.Alerts ?? 0, counts.GetValueOrDefault(p.Id)?.Suppressed ?? 0,
                p.CreateAlertForEachMatch, p.SendEmail, p.Playbooks, p.ModifiedAt, p.ModifiedBy, p.Version))
            .OrderBy(p => p.Name, StringComparer.CurrentCultureIgnoreCase)
            .ToList();
    }

    /// <summary>Every policy that is not deleted, with its playbook links, by name.</summary>
    public async Task<IReadOnlyList<Policy>> AllAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var policies = await db.Policies.AsNoTracking().Include(p => p.Playbooks).Where(p => p.DeletedAt == null).ToListAsync(cancellationToken);
        return policies.OrderBy(p => p.Name, StringComparer.CurrentCultureIgnoreCase).ThenBy(p => p.Id, StringComparer.Ordinal).ToList();
    }

    /// <summary>A policy that is not deleted, with its playbook links.</summary>
    public async Task<Policy?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Policies.AsNoTracking().Include(p => p.Playbooks)
            .SingleOrDefaultAsync(p => p.Id == id && p.DeletedAt == null, cancellationToken);
    }

    /// <summary>Alerts raised and held back today (UTC) by the daily limit.</summary>
    public async Task<PolicyDailyCount> TodayAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var today = Today();
        return await db.PolicyDailyCounts.AsNoTracking().SingleOrDefaultAsync(c => c.PolicyId == id && c.Day == today, cancellationToken)
            ?? new PolicyDailyCount { PolicyId = id, Day = today };
    }

    /// <summary>Throws <see cref="ValidationException"/> with field errors for a draft that breaks a rule.</summary>
    public async Task<Policy> CreateAsync(PolicyDraft draft, string actor, CancellationToken cancellationToken = default)
    {
        await Validator.ValidateAndThrowAsync(draft, cancellationToken);
        var now = time.GetUtcNow();
        var policy = new Policy { Name = draft.Name.Trim(), CreatedAt = now, CreatedBy = actor, ModifiedAt = now, ModifiedBy = actor };
        draft.ApplyTo(policy);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        db.Policies.Add(policy);
        new AuditLog(db, time).Add(actor, AuditActions.PolicyCreated, "Policy", policy.Id, Describe(policy));
        LinkPlaybooks(db, policy, draft.AlertSettings.PlaybookIds, actor);
        await db.SaveChangesAsync(cancellationToken);
        return policy;
    }

    /// <summary>
    /// Saves an edited policy. With <paramref name="expectedVersion"/> (the version the editor loaded) a change
    /// someone else saved in between is a <see cref="PolicyChangeStatus.Conflict"/>, and nothing is overwritten.
    /// </summary>
    public async Task<PolicyChange> UpdateAsync(string id, PolicyDraft draft, Guid? expectedVersion, string actor, CancellationToken cancellationToken = default)
    {
        await Validator.ValidateAndThrowAsync(draft, cancellationToken);
        return await ChangeAsync(id, expectedVersion, actor, AuditActions.PolicyUpdated, (db, policy) =>
        {
            var before = PolicyDraft.From(policy);
            draft.ApplyTo(policy);
            LinkPlaybooks(db, policy, draft.AlertSettings.PlaybookIds, actor);
            return Changes(before, PolicyDraft.From(policy));
        }, cancellationToken);
    }

    /// <summary>The settings dialog: severity and the Alerts section only.</summary>
    public async Task<PolicyChange> UpdateAlertSettingsAsync(string id, AlertSeverity severity, PolicyAlertSettingsDraft settings, Guid? expectedVersion,
        string actor, CancellationToken cancellationToken = default)
    {
        await AlertSettingsValidator.ValidateAndThrowAsync(settings, cancellationToken);
        if (!Enum.IsDefined(severity))
            throw new ValidationException([new FluentValidation.Results.ValidationFailure("Severity", "Choose a severity.")]);
        return await ChangeAsync(id, expectedVersion, actor, AuditActions.PolicyUpdated, (db, policy) =>
        {
            var before = PolicyAlertSettingsDraft.From(policy.AlertSettings);
            var changes = new List<string>();
            if (policy.Severity != severity)
                changes.Add($"severity {policy.Severity}→{severity}");
            policy.Severity = severity;
            settings.ApplyTo(policy.AlertSettings);
            var after = PolicyAlertSettingsDraft.From(policy.AlertSettings);
            if (before.CreateAlertForEachMatch != after.CreateAlertForEachMatch)
                changes.Add($"create alert {before.CreateAlertForEachMatch}→{after.CreateAlertForEachMatch}");
            if (before.DailyAlertLimit != after.DailyAlertLimit)
                changes.Add($"daily limit {before.DailyAlertLimit}→{after.DailyAlertLimit}");
            if (before.SendEmail != after.SendEmail)
                changes.Add($"send email {before.SendEmail}→{after.SendEmail}");
            if (!before.EmailRecipients.SequenceEqual(after.EmailRecipients))
                changes.Add($"recipients {after.EmailRecipients.Count}");
            if (LinkPlaybooks(db, policy, settings.PlaybookIds, actor))
                changes.Add($"playbooks {policy.Playbooks.Count}");
            return changes;
        }, cancellationToken);
    }

    public Task<PolicyChange> SetEnabledAsync(string id, bool enabled, string actor, CancellationToken cancellationToken = default) =>
        ChangeAsync(id, null, actor, enabled ? AuditActions.PolicyEnabled : AuditActions.PolicyDisabled, (_, policy) =>
        {
            policy.IsEnabled = enabled;
            return [];
        }, cancellationToken);

    /// <summary>Deletes the policy from every list; its alerts stay and keep pointing at it.</summary>
    public async Task<PolicyChange> DeleteAsync(string id, string actor, CancellationToken cancellationToken = default) =>
        await ChangeAsync(id, null, actor, AuditActions.PolicyDeleted, (_, policy) =>
        {
            policy.IsEnabled = false;
            policy.DeletedAt = time.GetUtcNow();
            policy.DeletedBy = actor;
            return [];
        }, cancellationToken);

    private async Task<PolicyChange> ChangeAsync(string id, Guid? expectedVersion, string actor, string auditAction,
        Func<PortalDbContext, Policy, IReadOnlyList<string>> change, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var policy = await db.Policies.Include(p => p.Playbooks).SingleOrDefaultAsync(p => p.Id == id && p.DeletedAt == null, cancellationToken);
        if (policy is null)
            return new(PolicyChangeStatus.NotFound);
        if (expectedVersion is { } expected)
        {
            if (policy.Version != expected)
                return new(PolicyChangeStatus.Conflict, policy);
            // The UPDATE checks the version the editor loaded, so a save that races this one loses, not overwrites.
            db.Entry(policy).Property(p => p.Version).OriginalValue = expected;
        }
        var changes = change(db, policy);
        policy.Version = Guid.NewGuid();
        policy.ModifiedAt = time.GetUtcNow();
        policy.ModifiedBy = actor;
        var details = Describe(policy) + (changes.Count > 0 ? "; changed: " + string.Join(", ", changes) : "");
        new AuditLog(db, time).Add(actor, auditAction, "Policy", policy.Id, details.Length > 4000 ? details[..4000] : details);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            await using var fresh = await contexts.CreateDbContextAsync(cancellationToken);
            return new(PolicyChangeStatus.Conflict, await fresh.Policies.AsNoTracking().Include(p => p.Playbooks).SingleOrDefaultAsync(p => p.Id == id, cancellationToken));
        }
        return new(PolicyChangeStatus.Done, policy);
    }

    /// <summary>Makes the policy's playbook links <paramref name="playbookIds"/> (null: unchanged), auditing each link and unlink.</summary>
    private bool LinkPlaybooks(PortalDbContext db, Policy policy, IReadOnlyList<Guid>? playbookIds, string actor)
    {
        if (playbookIds is null)
            return false;
        var wanted = playbookIds.ToHashSet();
        var removed = policy.Playbooks.Where(l => !wanted.Contains(l.PlaybookId)).ToList();
        var added = wanted.Where(id => policy.Playbooks.All(l => l.PlaybookId != id)).ToList();
        var audit = new AuditLog(db, time);
        foreach (var link in removed)
        {
            policy.Playbooks.Remove(link);
            audit.Add(actor, AuditActions.PlaybookUnlinked, "Playbook", link.PlaybookId.ToString(), $"Unlinked from policy '{policy.Name}' ({policy.Id})");
        }
        foreach (var id in added)
        {
            policy.Playbooks.Add(new PolicyPlaybook { PolicyId = policy.Id, PlaybookId = id, LinkedAt = time.GetUtcNow(), LinkedBy = actor });
            audit.Add(actor, AuditActions.PlaybookLinked, "Playbook", id.ToString(), $"Linked to policy '{policy.Name}' ({policy.Id})");
        }
        return removed.Count + added.Count > 0;
    }

    private DateOnly Today() => DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);

    private static string Describe(Policy policy) => $"name={policy.Name}";

    private static List<string> Changes(PolicyDraft before, PolicyDraft after)
    {
        var changes = new List<string>();
        if (before.Name != after.Name) changes.Add("name");
        if (before.Description != after.Description) changes.Add("description");
        if (before.Type != after.Type) changes.Add($"type {before.Type}→{after.Type}");
        if (before.Category != after.Category) changes.Add($"category {before.Category}→{after.Category}");
        if (before.Severity != after.Severity) changes.Add($"severity {before.Severity}→{after.Severity}");
        if (before.IsEnabled != after.IsEnabled) changes.Add(after.IsEnabled ? "enabled" : "disabled");
        if (!SameConditions(before.Conditions, after.Conditions)) changes.Add("conditions");
        if (before.UseThreshold != after.UseThreshold || before.ThresholdCount != after.ThresholdCount || before.ThresholdWindowMinutes != after.ThresholdWindowMinutes)
            changes.Add("threshold");
        if (before.AlertSettings.DailyAlertLimit != after.AlertSettings.DailyAlertLimit
            || before.AlertSettings.CreateAlertForEachMatch != after.AlertSettings.CreateAlertForEachMatch
            || before.AlertSettings.SendEmail != after.AlertSettings.SendEmail
            || !before.AlertSettings.EmailRecipients.SequenceEqual(after.AlertSettings.EmailRecipients))
            changes.Add("alert settings");
        if (!(before.AlertSettings.PlaybookIds ?? []).Order().SequenceEqual((after.AlertSettings.PlaybookIds ?? []).Order()))
            changes.Add("playbooks");
        return changes;
    }

    private static bool SameConditions(List<ConditionDraft> a, List<ConditionDraft> b) =>
        a.Count == b.Count && a.Zip(b).All(p => p.First.Field == p.Second.Field && p.First.Operator == p.Second.Operator && p.First.Values.SequenceEqual(p.Second.Values));
}
