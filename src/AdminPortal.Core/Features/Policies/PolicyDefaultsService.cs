using System.Text.Json;
using AdminPortal.Core.Data;
using AdminPortal.Core.Features.Audit;
using AdminPortal.Core.Features.Settings;
using FluentValidation;
using Microsoft.EntityFrameworkCore;

namespace AdminPortal.Core.Features.Policies;

/// <summary>
/// The organization's default alert settings ("Save as default settings" / "Restore default settings" in a
/// policy's settings dialog): what a new policy starts with. Playbook links are not part of them — a default
/// would hand one admin's playbook to policies other admins create.
/// </summary>
public sealed class PolicyDefaultsService(IDbContextFactory<PortalDbContext> contexts, TimeProvider time)
{
    public const string Key = "policies.alertSettings.defaults";
    private static readonly PolicyAlertSettingsValidator Validator = new();

    /// <summary>The saved defaults, or the built-in ones when none were saved.</summary>
    public async Task<PolicyAlertSettingsDraft> GetAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var stored = await db.Set<PortalSetting>().AsNoTracking().SingleOrDefaultAsync(s => s.Key == Key, cancellationToken);
        var defaults = stored is null ? null : JsonSerializer.Deserialize<StoredDefaults>(stored.Value);
        return defaults is null
            ? new PolicyAlertSettingsDraft()
            : new PolicyAlertSettingsDraft
            {
                CreateAlertForEachMatch = defaults.CreateAlertForEachMatch,
                DailyAlertLimit = defaults.DailyAlertLimit,
                SendEmail = defaults.SendEmail,
                EmailRecipients = [.. defaults.EmailRecipients],
            };
    }

    public async Task SaveAsync(PolicyAlertSettingsDraft settings, string actor, CancellationToken cancellationToken = default)
    {
        await Validator.ValidateAndThrowAsync(settings, cancellationToken);
        var clean = new PolicyAlertSettings();
        settings.ApplyTo(clean);
        var value = JsonSerializer.Serialize(new StoredDefaults(clean.CreateAlertForEachMatch, clean.DailyAlertLimit, clean.SendEmail, clean.EmailRecipients));

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var stored = await db.Set<PortalSetting>().SingleOrDefaultAsync(s => s.Key == Key, cancellationToken);
        if (stored is null)
            db.Add(stored = new PortalSetting { Key = Key, Value = value });
        stored.Value = value;
        stored.UpdatedAt = time.GetUtcNow();
        stored.UpdatedBy = actor;
        new AuditLog(db, time).Add(actor, AuditActions.PolicyDefaultsSaved, "Settings", Key,
            $"create alert {clean.CreateAlertForEachMatch}, daily limit {clean.DailyAlertLimit}, send email {clean.SendEmail}, recipients {clean.EmailRecipients.Count}");
        await db.SaveChangesAsync(cancellationToken);
    }

    private sealed record StoredDefaults(bool CreateAlertForEachMatch, int DailyAlertLimit, bool SendEmail, List<string> EmailRecipients);
}
