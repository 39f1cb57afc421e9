using System.Text.Json;
using AdminPortal.Core;
using AdminPortal.Core.Features.Activities;
using AdminPortal.Core.Features.Alerts;
using AdminPortal.Core.Features.Dispatch;
using AdminPortal.Core.Features.Email;
using AdminPortal.Core.Features.Policies;
using AdminPortal.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AdminPortal.UnitTests.Email;

/// <summary>
/// Alert e-mail is queued in the ingest transaction on a real SQLite file: one message per (alert, recipient) while the
/// recipient is under the daily limit, held back (and counted) past it with one summary, and nothing when the batch fails.
/// </summary>
public sealed class EmailOutboxTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 23, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Now);
    private TestDatabase _database = null!;

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await _database.DisposeAsync();

    private async Task<string> PolicyAsync(string name, params string[] recipients)
    {
        var draft = PolicyTemplates.DraftFrom(PolicyTemplates.All.Single(t => t.Id == "risky-country"), "admin@contoso.com");
        draft.Name = name;
        draft.AlertSettings.DailyAlertLimit = 1_000;
        draft.AlertSettings.SendEmail = recipients.Length > 0;
        draft.AlertSettings.EmailRecipients = [.. recipients];
        return (await new PolicyService(_database, _time).CreateAsync(draft, "admin@contoso.com")).Id;
    }

    private ActivityIngestService Ingest(EmailOptions settings, IDbContextFactory<Core.Data.PortalDbContext>? contexts = null) =>
        new(contexts ?? _database, new PolicyCatalog(NullLogger<PolicyCatalog>.Instance),
            new AlertOutbox(new FixedPortalAddress("https://portal.contoso.com"), email: new EmailOutbox(Options.Create(settings))),
            new AlertSignal(), new Core.Data.SqliteWriteGate(), _time, NullLogger<ActivityIngestService>.Instance);

    private static EmailOptions Configured(int limit = 500) => new() { Host = "smtp.contoso.com", From = "alerts@contoso.com", DailyLimitPerRecipient = limit };

    /// <summary>One risky log-on per user: each raises its own alert.</summary>
    private static List<JsonElement> LogOns(int count, int offset = 0) =>
        JsonDocument.Parse(JsonSerializer.Serialize(Enumerable.Range(offset, count).Select(i => new
        {
            timestamp = Now.ToUnixTimeMilliseconds(), app = "Office 365", activityType = "LogOn", user = $"user{i}@contoso.com",
            ipAddress = "203.0.113.7", country = "KP",
        }))).RootElement.EnumerateArray().ToList();

    private async Task<List<AlertEmail>> EmailsAsync()
    {
        await using var db = _database.CreateDbContext();
        return await db.AlertEmails.AsNoTracking().ToListAsync();
    }

    [Fact]
    public async Task AnAlert_QueuesOnePendingMessagePerRecipient_LowerCasedAndDistinct()
    {
        var policy = await PolicyAsync("Risky log-on", "SOC@Contoso.com", "soc@contoso.com", "ciso@contoso.com");

        Assert.Equal(2, (await Ingest(Configured()).IngestAsync(LogOns(2))).AlertsCreated);

        var emails = await EmailsAsync();
        Assert.Equal(4, emails.Count);
        Assert.All(emails, e => Assert.Equal((AlertEmailKind.Alert, AlertEmailState.Pending, policy, new DateOnly(2026, 11, 27), Now, 0),
            (e.Kind, e.State, e.PolicyId, e.Day, e.NextAttemptAt, e.AttemptCount)));
        Assert.Equal(["ciso@contoso.com", "ciso@contoso.com", "soc@contoso.com", "soc@contoso.com"], emails.Select(e => e.Recipient).Order());
        await using var db = _database.CreateDbContext();
        Assert.Equal((await db.Alerts.Select(a => a.Id).ToListAsync()).Order(), emails.Where(e => e.Recipient == "soc@contoso.com").Select(e => e.AlertId!).Order());
    }

    [Fact]
    public async Task PastTheDailyLimit_MessagesAreHeldBackAndCounted_AndOneSummaryIsQueued_AcrossBatchesAndPolicies()
    {
        await PolicyAsync("Risky log-on", "soc@contoso.com");
        await PolicyAsync("Risky log-on, second opinion", "SOC@contoso.com", "ciso@contoso.com");
        var ingest = Ingest(Configured(limit: 5));

        // Two policies × 2 alerts: soc@ gets 4 (under the limit of 5), ciso@ 2.
        await ingest.IngestAsync(LogOns(2));
        // Two more alerts each: soc@ reaches 5, then 3 are held back; ciso@ gets 4.
        await ingest.IngestAsync(LogOns(2, offset: 2));
        await ingest.IngestAsync(LogOns(1, offset: 4));

        var soc = (await EmailsAsync()).Where(e => e.Recipient == "soc@contoso.com").ToList();
        Assert.Equal(5, soc.Count(e => e is { Kind: AlertEmailKind.Alert, State: AlertEmailState.Pending }));
        Assert.Equal(5, soc.Count(e => e is { Kind: AlertEmailKind.Alert, State: AlertEmailState.Suppressed }));
        var summary = Assert.Single(soc, e => e.Kind == AlertEmailKind.Summary);
        Assert.Equal((AlertEmailState.Pending, (string?)null), (summary.State, summary.AlertId));
        Assert.DoesNotContain(await EmailsAsync(), e => e.Recipient == "ciso@contoso.com" && e.State != AlertEmailState.Pending);
        await using var db = _database.CreateDbContext();
        var counter = await db.EmailRecipientDays.SingleAsync(c => c.Recipient == "soc@contoso.com");
        Assert.Equal((5, 5), (counter.Queued, counter.Suppressed));
    }

    [Fact]
    public async Task ANewUtcDay_StartsTheCountAfresh_WithItsOwnSummary()
    {
        await PolicyAsync("Risky log-on", "soc@contoso.com");
        var ingest = Ingest(Configured(limit: 2));
        await ingest.IngestAsync(LogOns(3));

        _time.Advance(TimeSpan.FromHours(1)); // 00:00 UTC on the 28th
        await ingest.IngestAsync(LogOns(3, offset: 3));

        var emails = await EmailsAsync();
        foreach (var day in new[] { new DateOnly(2026, 11, 27), new DateOnly(2026, 11, 28) })
        {
            var ofDay = emails.Where(e => e.Day == day).ToList();
            Assert.Equal((2, 1, 1), (ofDay.Count(e => e is { Kind: AlertEmailKind.Alert, State: AlertEmailState.Pending }),
                ofDay.Count(e => e.State == AlertEmailState.Suppressed), ofDay.Count(e => e.Kind == AlertEmailKind.Summary)));
        }
    }

    [Fact]
    public async Task WithoutAnSmtpHost_NothingIsQueued()
    {
        await PolicyAsync("Risky log-on", "soc@contoso.com");

        Assert.Equal(1, (await Ingest(new EmailOptions()).IngestAsync(LogOns(1))).AlertsCreated);

        Assert.Empty(await EmailsAsync());
    }

    [Fact]
    public async Task AFailedBatch_QueuesNoMessage_AndCountsNothingAgainstTheLimit()
    {
        await PolicyAsync("Risky log-on", "soc@contoso.com");
        var ingest = Ingest(Configured(limit: 1), _database.With(new FailOnceOnEmails()));

        await Assert.ThrowsAsync<InvalidOperationException>(() => ingest.IngestAsync(LogOns(1)));
        Assert.Empty(await EmailsAsync());

        await ingest.IngestAsync(LogOns(1, offset: 1));
        var email = Assert.Single(await EmailsAsync());
        Assert.Equal((AlertEmailKind.Alert, AlertEmailState.Pending), (email.Kind, email.State));
    }

    /// <summary>Fails the save that writes the first queued e-mail, inside the ingest transaction.</summary>
    private sealed class FailOnceOnEmails : SaveChangesInterceptor
    {
        private bool _failed;

        public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result,
            CancellationToken cancellationToken = default)
        {
            if (_failed || !eventData.Context!.ChangeTracker.Entries<AlertEmail>().Any())
                return ValueTask.FromResult(result);
            _failed = true;
            throw new InvalidOperationException("The database went away while the e-mails were written.");
        }
    }
}
