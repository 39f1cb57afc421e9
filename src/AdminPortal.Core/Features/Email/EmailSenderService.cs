using AdminPortal.Core.Data;
using AdminPortal.Core.Features.Alerts;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace AdminPortal.Core.Features.Email;

/// <summary>
/// Sends the e-mail outbox. Claims due messages with a conditional update (lease owner and expiry), so instances
/// sharing a database never send one message at the same time and a crashed instance's messages are taken over when
/// its lease expires; sends a pass's messages over one connection; records each outcome as soon as it is known.
/// SMTP 4xx replies and connection failures are retried on <see cref="EmailOptions.Schedule"/>; 5xx is final.
/// Runs when alerts are raised on this instance and on every poll (retries, other instances' alerts).
/// </summary>
public sealed class EmailSenderService(
    IDbContextFactory<PortalDbContext> contexts, SmtpMailer mailer, EmailSignal signal, SqliteWriteGate writes, IPortalAddress portal,
    IOptions<EmailOptions> options, TimeProvider time, ILogger<EmailSenderService> logger) : BackgroundService
{
    private readonly string _instance = $"{Environment.MachineName[..Math.Min(40, Environment.MachineName.Length)]}/{Guid.NewGuid():N}";
    private DateTimeOffset _nextCleanup = DateTimeOffset.MinValue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.IsConfigured || !settings.SenderEnabled)
            return;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var more = false;
                try
                {
                    more = await SendDueAsync(stoppingToken) >= settings.BatchSize;
                    await CleanupAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    // A database that is briefly away must not stop the sender: try again at the next poll.
                    logger.LogError(e, "E-mail pass failed; retrying at the next poll");
                }
                if (!more)
                    await signal.WaitAsync(settings.PollInterval, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One pass: claims up to a batch of due messages and sends them; returns how many were claimed.</summary>
    public async Task<int> SendDueAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = time.GetUtcNow();
        var lease = $"{_instance}/{Guid.NewGuid():N}";
        var leaseExpiresAt = now + settings.LeaseDuration;
        var claimed = await ClaimAsync(lease, leaseExpiresAt, now, cancellationToken);
        if (claimed.Count == 0)
            return 0;

        var pending = new Queue<AlertEmail>(claimed);
        AlertEmail? current = null;
        SmtpSession? session = null;
        // The outcomes are written whatever happens to the pass (shutdown included): a message sent but not recorded would
        // be sent again by whoever takes it over.
        try
        {
            var messages = await ComposeAsync(claimed, cancellationToken);
            // A message that cannot be written (its alert deleted, an address MimeKit refuses) fails at once, without the server.
            SendOutcome? Unsendable(AlertEmail email) => !messages.TryGetValue(email.Id, out var composed)
                ? new SendOutcome(false, true, "The alert no longer exists.")
                : composed.Message is null ? new SendOutcome(false, true, composed.Problem) : null;
            while (pending.TryDequeue(out var email))
            {
                current = email;
                if (Unsendable(email) is { } refused)
                {
                    await RecordAsync(email, lease, refused, CancellationToken.None);
                    continue;
                }
                var message = messages[email.Id].Message!;
                // Not enough lease left for one more exchange and its record: hand the rest back rather than risk a second sender.
                if (time.GetUtcNow() + settings.Timeout * 3 > leaseExpiresAt)
                {
                    await ReleaseAsync(email, lease, CancellationToken.None);
                    continue;
                }
                if (session is not { IsUsable: true })
                {
                    if (session is not null)
                        await session.DisposeAsync();
                    session = null;
                    try
                    {
                        session = await mailer.ConnectAsync(cancellationToken);
                    }
                    catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                    {
                        // The server cannot be reached or refuses this portal: every message of the pass waits for the next try.
                        var failed = SmtpMailer.Describe(e, settings);
                        await RecordAsync(email, lease, failed, CancellationToken.None);
                        while (pending.TryDequeue(out var rest))
                            await RecordAsync(rest, lease, Unsendable(rest) ?? failed, CancellationToken.None);
                        break;
                    }
                }
                SendOutcome outcome;
                try
                {
                    await session.SendAsync(message, cancellationToken);
                    outcome = SendOutcome.Success;
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    outcome = SmtpMailer.Describe(e, settings);
                }
                await RecordAsync(email, lease, outcome, CancellationToken.None);
                current = null;
            }
        }
        finally
        {
            if (session is not null)
                await session.DisposeAsync();
            // Stopped or failed mid-pass: what was not tried goes back to the queue at once, not after the lease (a release is
            // lease-checked, so one already recorded is left as it is).
            foreach (var email in pending.Prepend(current).OfType<AlertEmail>())
                await ReleaseAsync(email, lease, CancellationToken.None);
        }
        return claimed.Count;
    }

    /// <summary>Due messages, oldest first, and those whose lease ran out, each taken with a conditional update.</summary>
    private async Task<List<AlertEmail>> ClaimAsync(string lease, DateTimeOffset leaseExpiresAt, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var batch = options.Value.BatchSize;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var candidates = await db.AlertEmails.AsNoTracking()
            .Where(e => e.State == AlertEmailState.Pending && e.NextAttemptAt <= now)
            .OrderBy(e => e.NextAttemptAt).Select(e => e.Id).Take(batch).ToListAsync(cancellationToken);
        if (candidates.Count < batch)
            candidates.AddRange(await db.AlertEmails.AsNoTracking()
                .Where(e => e.State == AlertEmailState.Sending && e.LeaseExpiresAt < now)
                .OrderBy(e => e.LeaseExpiresAt).Select(e => e.Id).Take(batch - candidates.Count).ToListAsync(cancellationToken));
        if (candidates.Count == 0)
            return [];

        var claimed = new List<Guid>();
        using (await EnterAsync(db, cancellationToken))
        {
            foreach (var id in candidates)
            {
                // A row another instance claimed meanwhile no longer matches, and is not ours.
                var taken = await db.AlertEmails
                    .Where(e => e.Id == id && ((e.State == AlertEmailState.Pending && e.NextAttemptAt <= now)
                                               || (e.State == AlertEmailState.Sending && e.LeaseExpiresAt < now)))
                    .ExecuteUpdateAsync(u => u
                        .SetProperty(e => e.State, AlertEmailState.Sending)
                        .SetProperty(e => e.LeaseOwner, lease)
                        .SetProperty(e => e.LeaseExpiresAt, leaseExpiresAt), cancellationToken);
                if (taken == 1)
                    claimed.Add(id);
            }
        }
        return await db.AlertEmails.AsNoTracking().Where(e => claimed.Contains(e.Id) && e.LeaseOwner == lease)
            .OrderBy(e => e.NextAttemptAt).ToListAsync(cancellationToken);
    }

    /// <summary>The messages, rendered now from the stored alerts: an alert e-mail shows the alert as it is.</summary>
    private async Task<Dictionary<Guid, (MimeMessage? Message, string? Problem)>> ComposeAsync(IReadOnlyList<AlertEmail> emails, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var from = settings.Sender();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var alertIds = emails.Where(e => e.AlertId is not null).Select(e => e.AlertId!).Distinct().ToList();
        var alerts = await db.Alerts.AsNoTracking().Include(a => a.Entities).Where(a => alertIds.Contains(a.Id))
            .AsSplitQuery().ToDictionaryAsync(a => a.Id, cancellationToken);
        var policyIds = alerts.Values.Select(a => a.PolicyId).Distinct().ToList();
        var policyNames = await db.Policies.AsNoTracking().Where(p => policyIds.Contains(p.Id))
            .ToDictionaryAsync(p => p.Id, p => p.Name, cancellationToken);

        var messages = new Dictionary<Guid, (MimeMessage?, string?)>();
        foreach (var email in emails)
        {
            RenderedEmail content;
            if (email.Kind == AlertEmailKind.Summary)
                content = EmailTemplates.Summary(email.Day, settings.DailyLimitPerRecipient, portal.BaseUrl);
            else if (email.AlertId is { } alertId && alerts.TryGetValue(alertId, out var alert))
                content = EmailTemplates.Alert(AlertEmailFacts.Of(alert, policyNames.GetValueOrDefault(alert.PolicyId) ?? alert.Title), portal.BaseUrl);
            else
                continue;
            try
            {
                messages[email.Id] = (EmailMessages.Build(from, email.Recipient, content, email.Id, email.AlertId, time.GetUtcNow()), null);
            }
            catch (ParseException e)
            {
                // A recipient stored before the address rules were as strict as MimeKit: it can never be sent; the rest can.
                messages[email.Id] = (null, $"'{email.Recipient}' is not an address this portal can send to: {e.Message}");
            }
        }
        return messages;
    }

    /// <summary>Writes an attempt's outcome, only while the lease is still ours.</summary>
    private async Task RecordAsync(AlertEmail email, string lease, SendOutcome outcome, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var attempts = email.AttemptCount + 1;
        var schedule = options.Value.EffectiveSchedule();
        var state = outcome.Sent ? AlertEmailState.Sent
            : outcome.Permanent || attempts >= schedule.Count ? AlertEmailState.Failed
            : AlertEmailState.Pending;
        var next = state == AlertEmailState.Pending ? now + schedule[attempts] : email.NextAttemptAt;
        DateTimeOffset? completed = state == AlertEmailState.Pending ? null : now;
        var error = outcome.Error is { Length: > 2000 } text ? text[..2000] : outcome.Error;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        using (await EnterAsync(db, cancellationToken))
            await db.AlertEmails.Where(e => e.Id == email.Id && e.LeaseOwner == lease)
                .ExecuteUpdateAsync(u => u
                    .SetProperty(e => e.State, state)
                    .SetProperty(e => e.AttemptCount, attempts)
                    .SetProperty(e => e.NextAttemptAt, next)
                    .SetProperty(e => e.CompletedAt, completed)
                    .SetProperty(e => e.LastError, error)
                    .SetProperty(e => e.LeaseOwner, (string?)null)
                    .SetProperty(e => e.LeaseExpiresAt, (DateTimeOffset?)null), cancellationToken);
        if (state == AlertEmailState.Sent)
            logger.LogDebug("{Kind} e-mail {EmailId} sent to {Recipient}", email.Kind, email.Id, email.Recipient);
        else if (state == AlertEmailState.Failed)
            logger.LogWarning("{Kind} e-mail {EmailId} to {Recipient} failed after {Attempts} attempt(s): {Error}", email.Kind, email.Id, email.Recipient, attempts, error);
        else
            logger.LogInformation("{Kind} e-mail {EmailId} to {Recipient} not sent ({Error}); retrying at {NextAttemptAt:u}", email.Kind, email.Id, email.Recipient, error, next);
    }

    /// <summary>Hands a claimed message back unsent, due at once.</summary>
    private async Task ReleaseAsync(AlertEmail email, string lease, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        using (await EnterAsync(db, cancellationToken))
            await db.AlertEmails.Where(e => e.Id == email.Id && e.LeaseOwner == lease)
                .ExecuteUpdateAsync(u => u
                    .SetProperty(e => e.State, AlertEmailState.Pending)
                    .SetProperty(e => e.LeaseOwner, (string?)null)
                    .SetProperty(e => e.LeaseExpiresAt, (DateTimeOffset?)null), cancellationToken);
    }

    /// <summary>Daily counters are needed for today only; a few days are kept for the settings page.</summary>
    private async Task CleanupAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (now < _nextCleanup)
            return;
        _nextCleanup = now.AddHours(1);
        var before = DateOnly.FromDateTime(now.UtcDateTime).AddDays(-7);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        using (await EnterAsync(db, cancellationToken))
            await db.EmailRecipientDays.Where(d => d.Day < before).ExecuteDeleteAsync(cancellationToken);
    }

    private async Task<SqliteWriteGate.Turn> EnterAsync(PortalDbContext db, CancellationToken cancellationToken) =>
        db.Database.IsSqlite() ? await writes.EnterAsync(cancellationToken) : default;
}
