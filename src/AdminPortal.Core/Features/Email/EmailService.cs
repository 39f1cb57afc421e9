using AdminPortal.Core.Data;
using AdminPortal.Core.Features.Audit;
using AdminPortal.Core.Features.Policies;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AdminPortal.Core.Features.Email;

/// <summary>Alert e-mail counts for one policy: today (UTC) and since it began sending.</summary>
public sealed record EmailCounts(int Sent, int Failed, int Suppressed, int Waiting)
{
    public static readonly EmailCounts None = new(0, 0, 0, 0);
    public int Total => Sent + Failed + Suppressed + Waiting;
}

public sealed record PolicyEmailCounts(EmailCounts Today, EmailCounts AllTime);

/// <summary>One alert e-mail as the alert's detail page lists it.</summary>
public sealed record AlertEmailRow(Guid Id, string Recipient, AlertEmailState State, int AttemptCount, DateTimeOffset CreatedAt,
    DateTimeOffset? CompletedAt, DateTimeOffset NextAttemptAt, string? LastError);

/// <summary>The <c>Email:*</c> settings as the settings page shows them: never the password itself.</summary>
public sealed record EmailSettingsView(bool IsConfigured, string? Host, int Port, string Security, string? From, string? UserName,
    bool PasswordSet, int DailyLimitPerRecipient, bool SenderEnabled);

/// <summary>What the portal's pages ask about alert e-mail, and the settings page's test e-mail.</summary>
public sealed class EmailService(IDbContextFactory<PortalDbContext> contexts, SmtpMailer mailer, AuditTrail audit, IPortalAddress portal,
    IOptions<EmailOptions> options, TimeProvider time)
{
    public bool IsConfigured => options.Value.IsConfigured;

    public EmailSettingsView Settings()
    {
        var o = options.Value;
        var security = o.UseSsl ? "TLS on connect" : o.UseStartTls ? "STARTTLS (required)" : "None";
        return new EmailSettingsView(o.IsConfigured, o.Host, o.Port, security, o.From, o.UserName, !string.IsNullOrEmpty(o.Password),
            o.DailyLimitPerRecipient, o.SenderEnabled);
    }

    public async Task<PolicyEmailCounts> CountsAsync(string policyId, CancellationToken cancellationToken = default)
    {
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await db.AlertEmails.AsNoTracking().Where(e => e.PolicyId == policyId && e.Kind == AlertEmailKind.Alert)
            .GroupBy(e => new { e.Day, e.State }).Select(g => new { g.Key.Day, g.Key.State, Count = g.Count() }).ToListAsync(cancellationToken);
        EmailCounts Count(IEnumerable<(AlertEmailState State, int Count)> counts)
        {
            var byState = counts.GroupBy(c => c.State).ToDictionary(g => g.Key, g => g.Sum(c => c.Count));
            return new EmailCounts(byState.GetValueOrDefault(AlertEmailState.Sent), byState.GetValueOrDefault(AlertEmailState.Failed),
                byState.GetValueOrDefault(AlertEmailState.Suppressed),
                byState.GetValueOrDefault(AlertEmailState.Pending) + byState.GetValueOrDefault(AlertEmailState.Sending));
        }
        return new PolicyEmailCounts(
            Count(rows.Where(r => r.Day == today).Select(r => (r.State, r.Count))),
            Count(rows.Select(r => (r.State, r.Count))));
    }

    /// <summary>How long ago the oldest message still waiting to be sent was queued; zero when none waits.</summary>
    public async Task<TimeSpan> OldestUnsentAgeAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var oldest = await db.AlertEmails.AsNoTracking().Where(e => e.State == AlertEmailState.Pending || e.State == AlertEmailState.Sending)
            .OrderBy(e => e.CreatedAt).Select(e => (DateTimeOffset?)e.CreatedAt).FirstOrDefaultAsync(cancellationToken);
        return oldest is { } queued ? time.GetUtcNow() - queued : TimeSpan.Zero;
    }

    public async Task<IReadOnlyList<AlertEmailRow>> ForAlertAsync(string alertId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.AlertEmails.AsNoTracking().Where(e => e.AlertId == alertId).OrderBy(e => e.Recipient)
            .Select(e => new AlertEmailRow(e.Id, e.Recipient, e.State, e.AttemptCount, e.CreatedAt, e.CompletedAt, e.NextAttemptAt, e.LastError))
            .ToListAsync(cancellationToken);
    }

    /// <summary>
    /// Sends a test message to <paramref name="recipient"/> now, over its own connection, and says what happened; the
    /// attempt is audited either way.
    /// </summary>
    public async Task<SendOutcome> SendTestAsync(string recipient, string actor, CancellationToken cancellationToken = default)
    {
        var to = recipient.Trim();
        if (to.Length == 0 || !PolicyAlertSettingsValidator.IsEmailAddress(to))
            return new SendOutcome(false, true, $"'{to}' is not an e-mail address.");
        var settings = options.Value;
        if (!settings.IsConfigured)
            return new SendOutcome(false, true, "E-mail is not set up: set Email:Host and Email:From in the portal's configuration.");
        var message = EmailMessages.Build(settings.Sender(), to, EmailTemplates.Test(actor, portal.BaseUrl), Guid.NewGuid(), null, time.GetUtcNow());
        var outcome = await mailer.SendOneAsync(message, cancellationToken);
        await audit.WriteAsync(actor, AuditActions.TestEmailSent, "Email", to,
            outcome.Sent ? $"Test e-mail to {to} sent." : $"Test e-mail to {to} failed: {outcome.Error}", cancellationToken: cancellationToken);
        return outcome;
    }
}
