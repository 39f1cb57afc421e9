using AdminPortal.Core.Data;
using AdminPortal.Core.Features.Dispatch;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AdminPortal.Core.Features.Email;

/// <summary>
/// Queues alert e-mail in the caller's transaction (an ingest batch), so it commits with the alert or not at all:
/// one message per (alert, recipient) while the recipient is under the daily limit; past it the message is stored as
/// suppressed (counted on the policy, never sent), and the first one suppressed in a day queues the summary.
/// </summary>
public sealed class EmailOutbox(IOptions<EmailOptions> options)
{
    public async Task AddAsync(PortalDbContext db, IReadOnlyList<RaisedAlert> raised, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        // Without a server nothing could ever send them: the policy dialog says so instead of a queue growing unseen.
        if (!settings.IsConfigured || raised.All(r => r.Policy.EmailRecipients.Count == 0))
            return;
        var day = DateOnly.FromDateTime(now.UtcDateTime);
        var recipients = raised.SelectMany(r => r.Policy.EmailRecipients).Distinct().ToList();
        // Elsewhere than SQLite (whose batch holds the write lock already), take the existing counters' row locks first, in
        // one order: batches of other instances mailing the same address wait here instead of failing the version check
        // and redoing their whole batch. A counter created by two batches at once still makes one of them redo it.
        if (!db.Database.IsSqlite())
            foreach (var recipient in recipients.Order(StringComparer.Ordinal))
                await db.EmailRecipientDays.Where(c => c.Day == day && c.Recipient == recipient)
                    .ExecuteUpdateAsync(u => u.SetProperty(c => c.Version, Guid.NewGuid()), cancellationToken);
        // Tracked: a counter another instance changed meanwhile fails the save (version check), and the batch is redone.
        var counters = new Dictionary<string, EmailRecipientDay>();
        foreach (var chunk in recipients.Chunk(500))
            foreach (var counter in await db.EmailRecipientDays.Where(c => c.Day == day && chunk.Contains(c.Recipient)).ToListAsync(cancellationToken))
                counters[counter.Recipient] = counter;

        foreach (var (alert, policy, _) in raised)
        {
            foreach (var recipient in policy.EmailRecipients)
            {
                if (!counters.TryGetValue(recipient, out var counter))
                {
                    counter = new EmailRecipientDay { Recipient = recipient, Day = day };
                    counters[recipient] = counter;
                    db.EmailRecipientDays.Add(counter);
                }
                var allowed = counter.Queued < settings.DailyLimitPerRecipient;
                if (allowed)
                    counter.Queued++;
                else if (++counter.Suppressed == 1)
                    db.AlertEmails.Add(New(AlertEmailKind.Summary, null, policy.Id, recipient, day, now, AlertEmailState.Pending));
                db.AlertEmails.Add(New(AlertEmailKind.Alert, alert.Id, policy.Id, recipient, day, now,
                    allowed ? AlertEmailState.Pending : AlertEmailState.Suppressed));
                if (db.Entry(counter).State == EntityState.Unchanged)
                    db.Entry(counter).State = EntityState.Modified;
                counter.Version = Guid.NewGuid();
            }
        }
    }

    private static AlertEmail New(AlertEmailKind kind, string? alertId, string policyId, string recipient, DateOnly day, DateTimeOffset now,
        AlertEmailState state) => new()
    {
        Kind = kind, AlertId = alertId, PolicyId = policyId, Recipient = recipient, Day = day, State = state,
        NextAttemptAt = now, CreatedAt = now, CompletedAt = state == AlertEmailState.Suppressed ? now : null,
    };
}
