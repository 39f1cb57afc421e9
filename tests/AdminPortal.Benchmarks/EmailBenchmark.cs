using System.Diagnostics;
using System.Text.Json;
using AdminPortal.Core;
using AdminPortal.Core.Data;
using AdminPortal.Core.Features.Activities;
using AdminPortal.Core.Features.Alerts;
using AdminPortal.Core.Features.Dispatch;
using AdminPortal.Core.Features.Email;
using AdminPortal.Core.Features.Policies;
using AdminPortal.Testing;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MimeKit;

namespace AdminPortal.Benchmarks;

/// <summary>
/// Issue 8 asks for no figure; these say what alert e-mail costs. Ingest: alert-heavy batches (every activity raises an
/// alert) with the policy e-mailing two recipients, against the same batches without e-mail, in the same run. Sending:
/// the sender's rate to an SMTP server on loopback (<see cref="SmtpSink"/>), against MailKit alone sending the same
/// number of ready-made messages over one connection to the same server.
/// </summary>
public static class EmailBenchmark
{
    private const int Policies = 10;

    public static async Task<bool> RunAsync(bool quick)
    {
        // Each policy raises at most 1,000 alerts a day (its largest daily limit): ten of them, one alert per activity.
        var alerts = quick ? 2_000 : 10_000;
        const int batchSize = 100;
        Console.WriteLine($"== Alert e-mail: {alerts:N0} alerts in batches of {batchSize}, 2 recipients each, SQLite file");
        await using var smtp = SmtpSink.Start();
        var settings = new EmailOptions
        {
            Host = smtp.Host, Port = smtp.Port, UseStartTls = false, From = "alerts@contoso.com", DailyLimitPerRecipient = 100_000,
        };

        var without = await IngestAsync(alerts, batchSize, settings, email: false);
        var with = await IngestAsync(alerts, batchSize, settings, email: true);
        Console.WriteLine($"   ingest without e-mail (baseline): {without.PerSecond,8:N0} alerts/s");
        Console.WriteLine($"   ingest, e-mailing 2 recipients:    {with.PerSecond,8:N0} alerts/s  ({with.PerSecond / without.PerSecond:P0} of baseline; " +
                          $"+{(1 / with.PerSecond - 1 / without.PerSecond) * 1000:F3} ms per alert)");

        var messages = alerts * 2;
        var raw = await RawMailKitAsync(smtp, settings, Math.Min(messages, 2_000));
        var sender = await SendAsync(with.Database, smtp, settings, messages);
        Console.WriteLine($"   MailKit alone, one connection (baseline): {raw,8:N0} messages/s");
        Console.WriteLine($"   the sender, claim + render + send + record: {sender,8:N0} messages/s  ({sender / raw:P0} of baseline)");
        Console.WriteLine("   no target: the issue asks for none; these are for the README.");
        await with.Database.DisposeAsync();
        return true;
    }

    private sealed record Ingested(double PerSecond, TestDatabase Database);

    private static async Task<Ingested> IngestAsync(int alerts, int batchSize, EmailOptions settings, bool email)
    {
        var database = await TestDatabase.CreateAsync();
        var time = TimeProvider.System;
        var policies = new PolicyService(database, time);
        for (var p = 0; p < Policies; p++)
        {
            var draft = new PolicyDraft
            {
                Name = $"Failed log-on {p}", Type = PolicyType.Activity, Category = PolicyCategory.ThreatDetection, Severity = AlertSeverity.High,
                Conditions = [new ConditionDraft { Field = ActivityFields.ActivityType, Operator = ConditionOperator.Equals, Values = [$"LogOnFailed{p}"] }],
            };
            draft.AlertSettings.DailyAlertLimit = PolicyValidator.MaxDailyAlertLimit;
            draft.AlertSettings.SendEmail = email;
            draft.AlertSettings.EmailRecipients = email ? ["soc@contoso.com", "ciso@contoso.com"] : [];
            await policies.CreateAsync(draft, "admin@contoso.com");
        }
        var outbox = new AlertOutbox(new FixedPortalAddress("https://portal.contoso.com"), email: new EmailOutbox(Options.Create(settings)));
        var ingest = new ActivityIngestService(database, new PolicyCatalog(NullLogger<PolicyCatalog>.Instance), outbox, new AlertSignal(),
            new SqliteWriteGate(), time, NullLogger<ActivityIngestService>.Instance);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var batches = Enumerable.Range(0, alerts).Chunk(batchSize).Select(chunk => JsonSerializer.SerializeToUtf8Bytes(chunk.Select(i => new
        {
            timestamp = now, app = "Office 365", activityType = $"LogOnFailed{i % Policies}", user = $"user{i}@contoso.com", ipAddress = "203.0.113.7", country = "NL",
        }))).ToList();

        // Warm-up on the policy-less activity type: JIT and query compilation, not the measured rows.
        using (var warm = JsonDocument.Parse(JsonSerializer.Serialize(new[] { new { timestamp = now, app = "Office 365", activityType = "LogOn", user = "warm@contoso.com" } })))
            await ingest.IngestAsync(warm.RootElement.EnumerateArray().ToList());
        var watch = Stopwatch.StartNew();
        var raised = 0;
        foreach (var body in batches)
        {
            using var document = JsonDocument.Parse(body);
            raised += (await ingest.IngestAsync(document.RootElement.EnumerateArray().ToList())).AlertsCreated;
        }
        watch.Stop();
        if (raised != alerts)
            throw new InvalidOperationException($"Expected {alerts} alerts, raised {raised}.");
        if (!email)
            await database.DisposeAsync();
        return new Ingested(alerts / watch.Elapsed.TotalSeconds, database);
    }

    /// <summary>The floor: ready-made messages over one connection, nothing read or written.</summary>
    private static async Task<double> RawMailKitAsync(SmtpSink smtp, EmailOptions settings, int count)
    {
        var message = EmailMessages.Build(settings.Sender(), "soc@contoso.com", EmailTemplates.Test("benchmark", "https://portal.contoso.com"),
            Guid.NewGuid(), null, DateTimeOffset.UtcNow);
        using var client = new SmtpClient();
        await client.ConnectAsync(smtp.Host, smtp.Port, SecureSocketOptions.None);
        await client.SendAsync(message); // warm-up
        var before = smtp.Messages.Count;
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
            await client.SendAsync(message);
        watch.Stop();
        await client.DisconnectAsync(true);
        await smtp.WaitForMessagesAsync(before + count, TimeSpan.FromMinutes(1));
        return count / watch.Elapsed.TotalSeconds;
    }

    /// <summary>The queued messages sent by one sender, pass after pass, as the background service runs it.</summary>
    private static async Task<double> SendAsync(TestDatabase database, SmtpSink smtp, EmailOptions settings, int count)
    {
        var options = Options.Create(settings);
        var sender = new EmailSenderService(database, new SmtpMailer(options), new EmailSignal(new AlertSignal()), new SqliteWriteGate(),
            new FixedPortalAddress("https://portal.contoso.com"), options, TimeProvider.System, NullLogger<EmailSenderService>.Instance);
        var watch = Stopwatch.StartNew();
        var sent = 0;
        while (sent < count)
        {
            var claimed = await sender.SendDueAsync(CancellationToken.None);
            if (claimed == 0)
                throw new InvalidOperationException($"Only {sent} of {count} messages were due.");
            sent += claimed;
        }
        watch.Stop();
        await using var db = database.CreateDbContext();
        var notSent = await db.AlertEmails.CountAsync(e => e.State != AlertEmailState.Sent);
        if (notSent > 0)
            throw new InvalidOperationException($"{notSent} messages were not sent.");
        return count / watch.Elapsed.TotalSeconds;
    }
}
