using System.Text.Json;
using AdminPortal.Core;
using AdminPortal.Core.Features.Activities;
using AdminPortal.Core.Features.Alerts;
using AdminPortal.Core.Features.Dispatch;
using AdminPortal.Core.Features.Playbooks;
using AdminPortal.Core.Features.Policies;
using AdminPortal.Core.Features.Users;
using AdminPortal.Testing;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AdminPortal.UnitTests.Activities;

/// <summary>
/// The transactional outbox on a real SQLite file: an alert of a policy linked to playbooks is written with one
/// delivery per enabled playbook, carrying the MCAS trigger payload — and a failure between them stores neither.
/// </summary>
public sealed class IngestOutboxTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Now);
    private TestDatabase _database = null!;
    private string _policyId = "";
    private readonly List<Guid> _playbooks = [];

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        var owner = await new UserService(_database, _time).AddOrUpdateAsync("ops@contoso.com", PortalRole.SecurityOperator, "test");
        var viewer = new PlaybookViewer(owner.Id, owner.Upn, owner.Role);
        var playbooks = new PlaybookService(_database, new PlaybookSecrets(new EphemeralDataProtectionProvider()), Options.Create(new DispatchOptions()), _time);
        foreach (var name in new[] { "n8n", "Logic App", "Switched off" })
            _playbooks.Add((await playbooks.CreateWebhookAsync(viewer, new WebhookPlaybookDraft { Name = name, Url = $"https://hooks.example.com/{name.Replace(' ', '-')}" })).Playbook.Id);
        await playbooks.SetEnabledAsync(viewer, _playbooks[2], false);

        var draft = PolicyTemplates.DraftFrom(PolicyTemplates.All.Single(t => t.Id == "risky-country"), "admin@contoso.com");
        draft.AlertSettings.PlaybookIds = [.. _playbooks];
        _policyId = (await new PolicyService(_database, _time).CreateAsync(draft, "admin@contoso.com")).Id;
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    private ActivityIngestService Ingest(Microsoft.EntityFrameworkCore.IDbContextFactory<Core.Data.PortalDbContext>? contexts = null) =>
        new(contexts ?? _database, new PolicyCatalog(NullLogger<PolicyCatalog>.Instance), new AlertOutbox(new FixedPortalAddress("https://portal.contoso.com")),
            new AlertSignal(), new Core.Data.SqliteWriteGate(), _time, NullLogger<ActivityIngestService>.Instance);

    private static List<JsonElement> Items(string json) => JsonDocument.Parse(json).RootElement.EnumerateArray().ToList();

    private const string RiskyLogOn = """
        [{"timestamp": 1795770000000, "app": "Office 365", "activityType": "LogOn", "user": "Ada@Contoso.com", "ipAddress": "203.0.113.7", "country": "KP"}]
        """;

    [Fact]
    public async Task AnAlertOfALinkedPolicy_GetsOneDeliveryPerEnabledPlaybook_WithTheConnectorTriggerPayload()
    {
        var result = await Ingest().IngestAsync(Items(RiskyLogOn));

        Assert.Equal(1, result.AlertsCreated);
        await using var db = _database.CreateDbContext();
        var alert = await db.Alerts.SingleAsync();
        var deliveries = await db.Deliveries.OrderBy(d => d.PlaybookId).ToListAsync();
        Assert.Equal(_playbooks.Take(2).Order(), deliveries.Select(d => d.PlaybookId).Order());
        Assert.All(deliveries, d => Assert.Equal((DeliveryState.Pending, alert.Id, Now, 0), (d.State, d.AlertId, d.NextAttemptAt, d.AttemptCount)));

        using var payload = JsonDocument.Parse(deliveries[0].Payload);
        var root = payload.RootElement;
        string[] triggerFields =
        [
            "Version", "VendorName", "ProviderName", "AlertType", "StartTimeUtc", "EndTimeUtc", "TimeGenerated", "Severity", "ProviderAlertId",
            "ProviderPolicyId", "CorrelationKey", "AzureResourceId", "CompromisedEntity", "AlertDisplayName", "Description", "RemediationSteps",
            "Metadata", "ExtendedProperties", "Entities", "ExtendedLinks", "AlertUrl", "Alert",
        ];
        Assert.Equal(triggerFields.Order(), root.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(alert.Id, root.GetProperty("ProviderAlertId").GetString());
        Assert.Equal(_policyId, root.GetProperty("ProviderPolicyId").GetString());
        Assert.Equal(alert.Severity.ToString(), root.GetProperty("Severity").GetString());
        Assert.Equal("ada@contoso.com", root.GetProperty("CompromisedEntity").GetString());
        Assert.Equal(alert.Title, root.GetProperty("AlertDisplayName").GetString());
        Assert.Equal("203.0.113.7", root.GetProperty("ExtendedProperties").GetProperty("IP Addresses").GetString());
        Assert.Equal("KP", root.GetProperty("ExtendedProperties").GetProperty("Countries").GetString());
        Assert.Contains(root.GetProperty("Entities").EnumerateArray(), e => e.GetProperty("Type").GetString() == "account"
            && e.GetProperty("Name").GetString() == "ada" && e.GetProperty("UPNSuffix").GetString() == "contoso.com");
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1795770000000), root.GetProperty("StartTimeUtc").GetDateTimeOffset());
        Assert.Equal($"https://portal.contoso.com/alerts/{alert.Id}", root.GetProperty("AlertUrl").GetString());
        Assert.Equal(alert.Id, root.GetProperty("Alert").GetProperty("_id").GetString());
        Assert.Equal((int)alert.Severity, root.GetProperty("Alert").GetProperty("severityValue").GetInt32());
    }

    [Fact]
    public async Task AFailureWhileWritingTheDeliveries_StoresNeitherTheAlertNorTheActivities_AndTheNextBatchStartsClean()
    {
        var ingest = Ingest(_database.With(new FailOnceOnDeliveries()));
        // A batch that lands first, so this instance trusts its in-memory copy of the engine's state.
        Assert.Equal(0, (await ingest.IngestAsync(Items(RiskyLogOn.Replace("\"KP\"", "\"NL\"")))).AlertsCreated);

        await Assert.ThrowsAsync<InvalidOperationException>(() => ingest.IngestAsync(Items(RiskyLogOn)));

        await using (var db = _database.CreateDbContext())
        {
            Assert.Equal((1, 0, 0, 0), (await db.Activities.CountAsync(), await db.Alerts.CountAsync(), await db.AlertEntities.CountAsync(), await db.Deliveries.CountAsync()));
            Assert.Empty(await db.PolicyDailyCounts.ToListAsync());
        }

        // The same service again: the engine's in-memory copy, changed by the failed batch, must not count its alert.
        Assert.Equal(1, (await ingest.IngestAsync(Items(RiskyLogOn))).AlertsCreated);
        await using (var db = _database.CreateDbContext())
        {
            Assert.Equal((2, 1, 2), (await db.Activities.CountAsync(), await db.Alerts.CountAsync(), await db.Deliveries.CountAsync()));
            Assert.Equal(1, (await db.PolicyDailyCounts.SingleAsync()).Alerts);
        }
    }

    /// <summary>
    /// Fails the first save of a transaction that has written deliveries (on SQLite they are inserted directly, not
    /// tracked): after the alert and delivery rows, before the commit.
    /// </summary>
    private sealed class FailOnceOnDeliveries : SaveChangesInterceptor
    {
        private bool _failed;

        public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result,
            CancellationToken cancellationToken = default)
        {
            var db = eventData.Context!;
            if (_failed || db.Database.CurrentTransaction is null || !await db.Set<Delivery>().AnyAsync(cancellationToken))
                return result;
            _failed = true;
            throw new InvalidOperationException("The database went away while the deliveries were written.");
        }
    }
}
