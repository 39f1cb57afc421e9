using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using AdminPortal.Core.Data;
using AdminPortal.Core.Features.Activities;
using AdminPortal.Core.Features.Alerts;
using AdminPortal.Core.Features.Dispatch;
using AdminPortal.Core.Features.Policies;
using AdminPortal.Core.Features.Audit;
using AdminPortal.Core.Features.Email;
using AdminPortal.IntegrationTests.Alerts;
using AdminPortal.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MimeKit;
using static AdminPortal.IntegrationTests.Alerts.ApiPortal;

namespace AdminPortal.IntegrationTests.Email;

public sealed class SqliteAlertEmailTests() : AlertEmailTests(TestDb.Sqlite);

[Trait("Database", "PostgreSql")]
public sealed class PostgreSqlAlertEmailTests() : AlertEmailTests(TestDb.PostgreSql);

/// <summary>
/// Alert e-mail end to end: the real portal queues it with the alert, its background sender sends it with MailKit
/// over real SMTP to a server on loopback (<see cref="SmtpSink"/>), and records what the server answered.
/// </summary>
public abstract class AlertEmailTests(TestDb database) : ApiPortalTest(database), IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly SmtpSink _smtp = SmtpSink.Start("portal-mailer", "Pa55-w0rd!smtp");

    public new async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _smtp.DisposeAsync();
    }

    private Task<ApiPortal> StartMailingPortalAsync(Action<Dictionary<string, string?>>? settings = null, CapturingLoggerProvider? logs = null) =>
        StartAsync(s =>
        {
            s["Portal:BaseUrl"] = "https://portal.contoso.com";
            s["Email:Host"] = _smtp.Host;
            s["Email:Port"] = _smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            s["Email:UseStartTls"] = "false";
            s["Email:UserName"] = "portal-mailer";
            s["Email:Password"] = "Pa55-w0rd!smtp";
            s["Email:From"] = "AdminPortal <alerts@contoso.com>";
            s["Email:Schedule:0"] = "00:00:00";
            s["Email:Schedule:1"] = "00:00:30";
            s["Email:Schedule:2"] = "00:05:00";
            if (logs is not null)
                s["Logging:LogLevel:Default"] = "Trace";
            settings?.Invoke(s);
        }, logs is null ? null : services => services.AddSingleton<ILoggerProvider>(logs));

    /// <summary>A High policy alerting on every LogOnFailed activity, e-mailing <paramref name="recipients"/>.</summary>
    private static Task<string> MailingPolicyAsync(ApiPortal portal, string name, params string[] recipients) =>
        MailingPolicyOnAsync(portal, "LogOnFailed", name, recipients);

    /// <summary>A High policy alerting on every activity of <paramref name="activityType"/>, e-mailing <paramref name="recipients"/>.</summary>
    private static Task<string> MailingPolicyOnAsync(ApiPortal portal, string activityType, string name, params string[] recipients) =>
        portal.CreatePolicyAsync(name, activityType, severity: 2, dailyLimit: 1_000,
            extra: $$"""
                "alertSettings": { "createAlert": true, "alertDailyLimit": 1000, "sendEmail": true, "emailRecipients": {{JsonSerializer.Serialize(recipients)}} }
                """);

    private static async Task RaiseAsync(ApiPortal portal, int count, int offset = 0) =>
        await portal.IngestAsync(Enumerable.Range(offset, count)
            .Select(i => (System.Text.Json.Nodes.JsonNode)portal.Activity($"user{i}@contoso.com", "LogOnFailed", ip: "203.0.113.7", country: "NL")).ToArray());

    private static async Task<List<AlertEmail>> EmailsAsync(ApiPortal portal)
    {
        await using var db = await portal.Factory.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        return await db.AlertEmails.AsNoTracking().ToListAsync();
    }

    /// <summary>Waits until the stored e-mails satisfy <paramref name="condition"/>; the sender works on its own thread.</summary>
    private static Task<List<AlertEmail>> EmailsWhenAsync(ApiPortal portal, Func<List<AlertEmail>, bool> condition) =>
        Eventually.WaitAsync(() => EmailsAsync(portal), condition, "E-mails",
            emails => string.Join("; ", emails.Select(e => $"{e.Kind} to {e.Recipient}: {e.State} after {e.AttemptCount} ({e.LastError})")),
            Wait);

    /// <summary>Moves the portal's clock on and wakes its sender, as a poll after that time would.</summary>
    private static void AdvanceAndWake(ApiPortal portal, TimeSpan by)
    {
        portal.Advance(by);
        portal.Factory.Services.GetRequiredService<EmailSignal>().Wake();
    }

    [Fact]
    public async Task AnAlert_IsEmailedOncePerRecipient_WithTheSeverityAndTitleAsSubject_AndATextAndAnHtmlPart()
    {
        var portal = await StartMailingPortalAsync();
        var policy = await MailingPolicyAsync(portal, "Failed log-ons", "soc@contoso.com", "CISO@contoso.com");

        await RaiseAsync(portal, 1);

        var received = await _smtp.WaitForMessagesAsync(2, Wait);
        var alertId = Assert.Single(await portal.AlertIdsOfPolicyAsync(policy));
        Assert.Equal(["ciso@contoso.com", "soc@contoso.com"], received.Select(m => Assert.Single(m.Recipients).ToLowerInvariant()).Order());
        foreach (var mail in received)
        {
            Assert.Equal("alerts@contoso.com", mail.MailFrom);
            var message = mail.Parse();
            Assert.Equal("[High] Failed log-ons", message.Subject);
            Assert.Equal(mail.Recipients[0], Assert.Single(message.To.Mailboxes).Address, ignoreCase: true);
            var alternative = Assert.IsType<MultipartAlternative>(message.Body);
            Assert.Equal(["text/plain", "text/html"], alternative.Select(p => p.ContentType.MimeType));
            foreach (var body in new[] { message.TextBody, message.HtmlBody })
            {
                Assert.Contains($"https://portal.contoso.com/alerts/{alertId}", body);
                Assert.Contains($"https://portal.contoso.com/policies/{policy}/edit", body);
                Assert.Contains("user0@contoso.com", body);
                Assert.Contains("203.0.113.7", body);
                Assert.DoesNotContain("\"activityType\"", body); // no raw activity JSON
            }
            Assert.Equal(alertId, message.Headers["X-AdminPortal-Alert-Id"]);
        }
        var emails = await EmailsWhenAsync(portal, e => e.All(x => x.State == AlertEmailState.Sent));
        Assert.All(emails, e => Assert.Equal((1, alertId, (string?)null), (e.AttemptCount, e.AlertId, e.LastError)));
        // Each message's id is its outbox row's: a retry would carry the same one.
        Assert.Equal(emails.Select(e => $"{e.Id:N}@adminportal").Order(), received.Select(m => m.Parse().MessageId).Order());
    }

    [Fact]
    public async Task AServerThatAnswers451_GetsTheMessageAgainAfterTheBackoff_AndItArrivesOnce()
    {
        _smtp.RespondToRcpt((_, attempt) => attempt == 1 ? "451 4.3.0 Mailbox busy, try again later" : null);
        var portal = await StartMailingPortalAsync();
        await MailingPolicyAsync(portal, "Failed log-ons", "soc@contoso.com");

        await RaiseAsync(portal, 1);
        var waiting = Assert.Single(await EmailsWhenAsync(portal, e => e.Single().AttemptCount == 1));
        Assert.Equal(AlertEmailState.Pending, waiting.State);
        Assert.StartsWith("451", waiting.LastError);
        Assert.Equal(portal.Now + TimeSpan.FromSeconds(30), waiting.NextAttemptAt);
        Assert.Empty(_smtp.Messages);

        AdvanceAndWake(portal, TimeSpan.FromSeconds(30));

        var sent = Assert.Single(await EmailsWhenAsync(portal, e => e.Single().State == AlertEmailState.Sent));
        Assert.Equal((2, (string?)null), (sent.AttemptCount, sent.LastError));
        Assert.Single(_smtp.Messages);
    }

    [Fact]
    public async Task AServerThatAnswers550_MakesTheMessageFailed_AndItIsNotTriedAgain()
    {
        _smtp.RespondToRcpt((recipient, _) => recipient.StartsWith("gone@", StringComparison.OrdinalIgnoreCase) ? "550 5.1.1 No such user here" : null);
        var portal = await StartMailingPortalAsync();
        await MailingPolicyAsync(portal, "Failed log-ons", "gone@contoso.com");

        await RaiseAsync(portal, 1);
        var failed = Assert.Single(await EmailsWhenAsync(portal, e => e.Single().State == AlertEmailState.Failed));
        Assert.Equal(1, failed.AttemptCount);
        Assert.StartsWith("550", failed.LastError);
        Assert.Contains("No such user", failed.LastError);

        // Well past every retry delay, another alert to a working address goes out: the sender ran, and left the failed one alone.
        AdvanceAndWake(portal, TimeSpan.FromHours(1));
        await MailingPolicyAsync(portal, "Failed log-ons, second opinion", "soc@contoso.com");
        await RaiseAsync(portal, 1, offset: 1);
        await _smtp.WaitForMessagesAsync(1, Wait);
        var emails = await EmailsWhenAsync(portal, e => e.Any(x => x is { Recipient: "soc@contoso.com", State: AlertEmailState.Sent })
                                                        && e.Count(x => x is { Recipient: "gone@contoso.com", State: AlertEmailState.Failed }) == 2);
        // The second alert's message to gone@ was refused too; each was offered to the server exactly once.
        Assert.All(emails.Where(e => e.Recipient == "gone@contoso.com"), e => Assert.Equal(1, e.AttemptCount));
        Assert.Equal(2, _smtp.Transcript.Count(l => l.StartsWith("RCPT TO:<gone@", StringComparison.OrdinalIgnoreCase)));
    }

    [Fact]
    public async Task AStoredRecipientTheMessageCannotBeWrittenTo_FailsAtOnce_AndTheOtherMessagesOfThePassGoOut()
    {
        var portal = await StartMailingPortalAsync();
        await MailingPolicyAsync(portal, "Failed log-ons", "soc@contoso.com");
        await RaiseAsync(portal, 1);
        var sent = Assert.Single(await EmailsWhenAsync(portal, e => e.Single().State == AlertEmailState.Sent));
        // An address written around the validator (an older rule, or by hand): System.Net.Mail takes it, MimeKit does not.
        await using (var db = await portal.Factory.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            db.AlertEmails.AddRange(
                new AlertEmail { AlertId = sent.AlertId, PolicyId = sent.PolicyId, Recipient = "ada.@contoso.com", Day = sent.Day, NextAttemptAt = portal.Now, CreatedAt = portal.Now },
                new AlertEmail { AlertId = sent.AlertId, PolicyId = sent.PolicyId, Recipient = "ciso@contoso.com", Day = sent.Day, NextAttemptAt = portal.Now, CreatedAt = portal.Now });
            await db.SaveChangesAsync();
        }

        portal.Factory.Services.GetRequiredService<EmailSignal>().Wake();

        var emails = await EmailsWhenAsync(portal, e => e.All(x => x.State is AlertEmailState.Sent or AlertEmailState.Failed));
        var refused = emails.Single(e => e.Recipient == "ada.@contoso.com");
        Assert.Equal(AlertEmailState.Failed, refused.State);
        Assert.Contains("is not an address this portal can send to", refused.LastError);
        Assert.Equal(AlertEmailState.Sent, emails.Single(e => e.Recipient == "ciso@contoso.com").State);
        Assert.Equal(2, _smtp.Messages.Count);
    }

    [Fact]
    public async Task The501stAlertEmailToOneAddressInADay_IsHeldBack_TheSummaryIsSentOnce_AndTheNextDaySendingResumes()
    {
        var portal = await StartMailingPortalAsync();
        var policy = await MailingPolicyAsync(portal, "Failed log-ons", "soc@contoso.com");
        var day = DateOnly.FromDateTime(portal.Now.UtcDateTime);

        await RaiseAsync(portal, 501);
        var received = await _smtp.WaitForMessagesAsync(501, TimeSpan.FromSeconds(60));
        await RaiseAsync(portal, 1, offset: 501); // the 502nd: held back too, and no second summary

        var emails = await EmailsWhenAsync(portal, e => e.Count == 503 && e.All(x => x.State is AlertEmailState.Sent or AlertEmailState.Suppressed));
        Assert.Equal((500, 2, 1), (emails.Count(e => e is { Kind: AlertEmailKind.Alert, State: AlertEmailState.Sent }),
            emails.Count(e => e.State == AlertEmailState.Suppressed), emails.Count(e => e.Kind == AlertEmailKind.Summary)));
        var summaries = received.Select(m => m.Parse()).Where(m => !(m.Subject ?? "").StartsWith("[High]", StringComparison.Ordinal)).ToList();
        var summary = Assert.Single(summaries);
        Assert.Contains("500", summary.TextBody);
        Assert.Contains(day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), summary.TextBody);
        Assert.Equal(500, received.Select(m => m.Parse()).Count(m => m.Subject == "[High] Failed log-ons"));
        Assert.Equal(501, _smtp.Messages.Count);
        var counts = await portal.Factory.Services.GetRequiredService<EmailService>().CountsAsync(policy);
        Assert.Equal(new EmailCounts(Sent: 500, Failed: 0, Suppressed: 2, Waiting: 0), counts.Today);

        // Midnight UTC: the count starts again.
        AdvanceAndWake(portal, TimeSpan.FromHours(15));
        await RaiseAsync(portal, 1, offset: 502);
        await _smtp.WaitForMessagesAsync(502, Wait);
        var next = (await EmailsWhenAsync(portal, e => e.Count == 504 && e.All(x => x.State != AlertEmailState.Pending && x.State != AlertEmailState.Sending)))
            .Single(e => e.Day == day.AddDays(1));
        Assert.Equal((AlertEmailKind.Alert, AlertEmailState.Sent), (next.Kind, next.State));
        Assert.Equal("[High] Failed log-ons", _smtp.Messages[^1].Parse().Subject);
    }

    [Fact]
    public async Task TwoInstancesIngestingAtOnce_CountOneDailyLimitPerAddressTogether_AndQueueOneSummary()
    {
        var portal = await StartMailingPortalAsync(s => s["Email:DailyLimitPerRecipient"] = "10");
        // One policy per instance, both mailing soc@: the address's daily counter is the one row the two batches share.
        await MailingPolicyAsync(portal, "Failed log-ons", "soc@contoso.com");
        await MailingPolicyOnAsync(portal, "LogOn", "Log-ons", "SOC@contoso.com", "ciso@contoso.com");
        var services = portal.Factory.Services;
        var first = services.GetRequiredService<ActivityIngestService>();
        // A second portal process on the same database: its own policy catalog, engine state and SQLite write gate.
        var second = new ActivityIngestService(services.GetRequiredService<IDbContextFactory<PortalDbContext>>(),
            new PolicyCatalog(NullLogger<PolicyCatalog>.Instance), services.GetRequiredService<AlertOutbox>(), services.GetRequiredService<AlertSignal>(),
            new SqliteWriteGate(), portal.Factory.Time, NullLogger<ActivityIngestService>.Instance);
        async Task IngestAsync(ActivityIngestService service, string activityType)
        {
            for (var batch = 0; batch < 10; batch++)
                await service.IngestAsync(JsonDocument.Parse(JsonSerializer.Serialize(Enumerable.Range(0, 2)
                    .Select(i => portal.Activity($"user{batch}-{i}@contoso.com", activityType)))).RootElement.EnumerateArray().ToList());
        }

        // 10 batches of 2 alerts through each instance, at the same time: 40 alerts for soc@, 20 for ciso@.
        await Task.WhenAll(Task.Run(() => IngestAsync(first, "LogOnFailed")), Task.Run(() => IngestAsync(second, "LogOn")));

        var emails = await EmailsAsync(portal);
        foreach (var (recipient, alerts) in new[] { ("soc@contoso.com", 40), ("ciso@contoso.com", 20) })
        {
            var theirs = emails.Where(e => e.Recipient == recipient).ToList();
            Assert.Equal((10, alerts - 10, 1), (theirs.Count(e => e.Kind == AlertEmailKind.Alert && e.State != AlertEmailState.Suppressed),
                theirs.Count(e => e.State == AlertEmailState.Suppressed), theirs.Count(e => e.Kind == AlertEmailKind.Summary)));
        }
        await using var db = await services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var soc = await db.EmailRecipientDays.AsNoTracking().SingleAsync(c => c.Recipient == "soc@contoso.com");
        Assert.Equal((10, 30), (soc.Queued, soc.Suppressed));
    }

    [Fact]
    public async Task ThePassword_NeverReachesTheLogs_TheOutboxOrTheSettings_WhetherTheSignInWorksOrNot()
    {
        const string password = "Pa55-w0rd!smtp";
        var logs = new CapturingLoggerProvider();
        var portal = await StartMailingPortalAsync(logs: logs);
        await MailingPolicyAsync(portal, "Failed log-ons", "soc@contoso.com");
        await RaiseAsync(portal, 1);
        await _smtp.WaitForMessagesAsync(1, Wait);
        await EmailsWhenAsync(portal, e => e.All(x => x.State == AlertEmailState.Sent));

        // A second portal whose password the server refuses: the failure is recorded and retried, in its words, not the server's.
        const string wrong = "Wr0ng-pa55word";
        var refused = await StartMailingPortalAsync(s => s["Email:Password"] = wrong, logs);
        await MailingPolicyAsync(refused, "Failed log-ons", "soc@contoso.com");
        await RaiseAsync(refused, 1);
        var email = Assert.Single(await EmailsWhenAsync(refused, e => e.Single().AttemptCount == 1));
        Assert.Equal(AlertEmailState.Pending, email.State);
        Assert.Contains("refused the sign-in", email.LastError!);

        var settingsView = JsonSerializer.Serialize(refused.Factory.Services.GetRequiredService<EmailService>().Settings());
        Assert.Contains("\"PasswordSet\":true", settingsView);
        Assert.NotEmpty(logs.Messages);
        // AUTH PLAIN carries the password in base64: neither form may appear anywhere but on the wire.
        foreach (var secret in new[] { password, wrong })
            foreach (var form in new[] { secret, Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0portal-mailer\0{secret}")), Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)) })
            {
                Assert.DoesNotContain(logs.Messages, m => m.Contains(form, StringComparison.Ordinal));
                Assert.DoesNotContain(form, settingsView);
                Assert.DoesNotContain(await EmailsAsync(refused), e => (e.LastError ?? "").Contains(form, StringComparison.Ordinal));
            }
    }

    [Fact]
    public async Task AnUnreachableServer_IsRecordedAndRetried_ThenFailed_AndThePortalKeepsWorking()
    {
        var closedPort = ClosedPort();
        var portal = await StartMailingPortalAsync(s =>
        {
            s["Email:Port"] = closedPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
            s.Remove("Email:Schedule:2");
        });
        await MailingPolicyAsync(portal, "Failed log-ons", "soc@contoso.com");

        await RaiseAsync(portal, 1);
        var waiting = Assert.Single(await EmailsWhenAsync(portal, e => e.Single().AttemptCount == 1));
        Assert.Equal(AlertEmailState.Pending, waiting.State);
        Assert.Contains($"Could not connect to 127.0.0.1:{closedPort}", waiting.LastError);

        AdvanceAndWake(portal, TimeSpan.FromSeconds(30));
        var failed = Assert.Single(await EmailsWhenAsync(portal, e => e.Single().State == AlertEmailState.Failed));
        Assert.Equal(2, failed.AttemptCount);
        Assert.Equal(1, (await portal.ListAlertsAsync()).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task HealthzIsDegraded_WhenAnAlertEmailQueuedLongerThanStuckAfterIsStillUnsent()
    {
        var portal = await StartMailingPortalAsync(s =>
        {
            s["Email:Port"] = ClosedPort().ToString(System.Globalization.CultureInfo.InvariantCulture);
            s["Email:Schedule:1"] = "01:00:00";
        });
        await MailingPolicyAsync(portal, "Failed log-ons", "soc@contoso.com");
        await RaiseAsync(portal, 1);
        await EmailsWhenAsync(portal, e => e.Single().AttemptCount == 1);
        Assert.Equal("Healthy", await portal.Client.GetStringAsync("/healthz"));

        portal.Advance(TimeSpan.FromMinutes(30) + TimeSpan.FromSeconds(5));

        var health = await portal.Client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("Degraded\nemail: The oldest unsent alert e-mail was queued 00:30:05 ago, more than Email:StuckAfter (00:30:00); its alert's page shows the server's answer.",
            await health.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task APolicyNameWithALineBreakAndABccHeader_IsRefusedWithAFieldError_AndAStoredOneNeverBecomesAHeader()
    {
        var portal = await StartMailingPortalAsync();
        var refused = await ProblemAsync(await portal.PostAsync("/api/v1/policies/", JsonSerializer.Serialize(new
        {
            name = "Failed log-ons\r\nBcc: attacker@evil.example",
            conditions = new[] { new { field = "activityType", @operator = "equals", values = new[] { "LogOnFailed" } } },
        })), HttpStatusCode.BadRequest);
        Assert.Contains("control characters", Assert.Single(Errors(refused)["name"]));

        // A name stored before the rule existed (written straight to the database) is made safe when the subject is written.
        var policy = await MailingPolicyAsync(portal, "Failed log-ons", "soc@contoso.com");
        await using (var db = await portal.Factory.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
            await db.Policies.Where(p => p.Id == policy).ExecuteUpdateAsync(u => u.SetProperty(p => p.Name, "Failed log-ons\r\nBcc: attacker@evil.example").SetProperty(p => p.Version, Guid.NewGuid()));
        await RaiseAsync(portal, 1);

        var mail = Assert.Single(await _smtp.WaitForMessagesAsync(1, Wait));
        Assert.Equal(["soc@contoso.com"], mail.Recipients);
        var message = mail.Parse();
        Assert.Empty(message.Bcc);
        Assert.DoesNotContain(message.Headers, h => h.Field.Equals("Bcc", StringComparison.OrdinalIgnoreCase));
        Assert.Equal("[High] Failed log-ons Bcc: attacker@evil.example", message.Subject);
        Assert.DoesNotContain(_smtp.Transcript, l => l.Contains("evil.example", StringComparison.OrdinalIgnoreCase) && l.StartsWith("RCPT", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task TheTestEmail_ArrivesWithBothParts_AndIsAudited_AndAFailureSaysWhy()
    {
        var portal = await StartMailingPortalAsync();
        var email = portal.Factory.Services.GetRequiredService<EmailService>();

        var outcome = await email.SendTestAsync(" soc@contoso.com ", AdminUpn);

        Assert.True(outcome.Sent, outcome.Error);
        var message = Assert.Single(await _smtp.WaitForMessagesAsync(1, Wait)).Parse();
        Assert.Equal("soc@contoso.com", Assert.Single(message.To.Mailboxes).Address);
        Assert.IsType<MultipartAlternative>(message.Body);
        Assert.Contains(AdminUpn, message.TextBody);

        var malformed = await email.SendTestAsync("soc@contoso.com\r\nBcc: attacker@evil.example", AdminUpn);
        Assert.False(malformed.Sent);
        Assert.Contains("is not an e-mail address", malformed.Error);
        Assert.Single(_smtp.Messages);

        _smtp.RespondToRcpt((_, _) => "550 5.7.1 Relaying denied");
        var denied = await email.SendTestAsync("someone@fabrikam.com", AdminUpn);
        Assert.Equal((false, true), (denied.Sent, denied.Permanent));
        Assert.StartsWith("550", denied.Error);

        await using var db = await portal.Factory.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var audited = await db.AuditEntries.Where(a => a.Action == AuditActions.TestEmailSent).OrderBy(a => a.Id).ToListAsync();
        Assert.Equal(2, audited.Count);
        Assert.Equal((AdminUpn, "soc@contoso.com"), (audited[0].Actor, audited[0].TargetId));
        Assert.Contains("550", audited[1].Details);
    }

    [Fact]
    public async Task SeveralSenders_OnOneDatabase_SendEachMessageExactlyOnce()
    {
        var portal = await StartMailingPortalAsync(s => s["Email:BatchSize"] = "5");
        await MailingPolicyAsync(portal, "Failed log-ons", "soc@contoso.com", "ciso@contoso.com");
        var services = portal.Factory.Services;
        // Two more senders, as two more instances would run them: their own lease names, the same database and server.
        EmailSenderService Instance() => new(services.GetRequiredService<IDbContextFactory<PortalDbContext>>(), services.GetRequiredService<SmtpMailer>(),
            services.GetRequiredService<EmailSignal>(), new SqliteWriteGate(), services.GetRequiredService<AdminPortal.Core.IPortalAddress>(),
            services.GetRequiredService<IOptions<EmailOptions>>(), portal.Factory.Time, NullLogger<EmailSenderService>.Instance);
        var others = new[] { Instance(), Instance() };

        await RaiseAsync(portal, 60);
        var running = others.Select(sender => Task.Run(async () =>
        {
            while (_smtp.Messages.Count < 120)
                if (await sender.SendDueAsync(CancellationToken.None) == 0)
                    await _smtp.WaitForAsync(s => s.Messages.Count >= 120, Wait).ContinueWith(_ => { }, TaskScheduler.Default);
        })).ToArray();
        await _smtp.WaitForMessagesAsync(120, TimeSpan.FromSeconds(60));
        await Task.WhenAll(running);

        var emails = await EmailsWhenAsync(portal, e => e.Count == 120 && e.All(x => x.State == AlertEmailState.Sent));
        var ids = _smtp.Messages.Select(m => m.Parse().MessageId).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(emails.Select(e => $"{e.Id:N}@adminportal").Order(), ids.Order());
        Assert.All(emails, e => Assert.Equal(1, e.AttemptCount));
    }

    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
