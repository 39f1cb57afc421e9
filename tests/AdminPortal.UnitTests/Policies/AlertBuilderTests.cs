using AdminPortal.Core.Features.Alerts;
using AdminPortal.Core.Features.Policies;
using static AdminPortal.UnitTests.Policies.PolicyTestData;

namespace AdminPortal.UnitTests.Policies;

/// <summary>What an alert raised by the engine says: title, severity, category, correlation key, entities, description.</summary>
public sealed class AlertBuilderTests
{
    private static readonly DateTimeOffset Now = T0.AddHours(1);

    private static IEnumerable<(AlertEntityType, string)> EntitiesOf(Alert alert, AlertEntityType type) =>
        alert.Entities.Where(e => e.Type == type).Select(e => (e.Type, e.Value));

    [Fact]
    public void APerMatchAlert_CarriesThePolicyAndTheActivity()
    {
        var source = Policy("Download from a risky IP");
        source.Severity = AlertSeverity.Low;
        var policy = CompiledPolicy.Compile(source);
        var activity = Activity(T0, objectName: "Q3 report.xlsx", ip: "203.0.113.5", country: "NL");

        var alert = SingleAlert(policy, Now, activity);

        Assert.Equal("Download from a risky IP", alert.Title);
        Assert.Equal(AlertSeverity.Low, alert.Severity);
        Assert.Equal(policy.Id, alert.PolicyId);
        Assert.Equal(Now, alert.CreatedAt);
        Assert.Equal(Ada, alert.MainEntity);
        Assert.Equal($"{policy.Id}:{Ada}", alert.CorrelationKey);
        Assert.Equal([activity.Id.ToString()], alert.Evidence);
        Assert.Matches("^[0-9a-f]{24}$", alert.Id);
        Assert.Equal((ResolutionStatus.Open, AlertReadStatus.Unread), (alert.ResolutionStatus, alert.ReadStatus));
    }

    [Fact]
    public void APerMatchAlert_NamesEveryEntity()
    {
        var policy = PerMatch(name: "Downloads");
        var activity = Activity(T0, app: "SharePoint", objectName: "Q3 report.xlsx", ip: "203.0.113.5", country: "NL");

        var alert = SingleAlert(policy, Now, activity);

        var account = Assert.Single(alert.Entities, e => e.Type == AlertEntityType.Account);
        Assert.Equal((Ada, Ada), (account.Value, account.Label));
        Assert.Equal([(AlertEntityType.Ip, "203.0.113.5")], EntitiesOf(alert, AlertEntityType.Ip));
        Assert.Equal([(AlertEntityType.Service, "SharePoint")], EntitiesOf(alert, AlertEntityType.Service));
        Assert.Equal([(AlertEntityType.File, "Q3 report.xlsx")], EntitiesOf(alert, AlertEntityType.File));
        Assert.Equal([(AlertEntityType.Country, "NL")], EntitiesOf(alert, AlertEntityType.Country));
        var rule = Assert.Single(alert.Entities, e => e.Type == AlertEntityType.PolicyRule);
        Assert.Equal((policy.Id, "Downloads"), (rule.Value, rule.Label));
    }

    [Fact]
    public void MissingActivityFields_AddNoEntities()
    {
        var alert = SingleAlert(PerMatch(), Now, Activity(T0, ip: null, country: null, objectName: null));

        Assert.Equal([AlertEntityType.Account, AlertEntityType.Service, AlertEntityType.PolicyRule], alert.Entities.Select(e => e.Type));
    }

    [Fact]
    public void APerMatchAlert_DescribesWhoDidWhatWhereFromWhere()
    {
        var activity = Activity(T0, app: "SharePoint", objectName: "Q3 report.xlsx", ip: "203.0.113.5", country: "NL");

        var alert = SingleAlert(PerMatch(), Now, activity);

        Assert.Equal("ada@contoso.com performed FileDownload in SharePoint on 'Q3 report.xlsx' from 203.0.113.5 (NL).", alert.Description);
    }

    [Fact]
    public void TheAlert_RecordsThatItWasRaised()
    {
        var alert = SingleAlert(PerMatch(name: "Downloads"), Now, At(0));

        var raised = Assert.Single(alert.History);
        Assert.Equal((AlertEventKind.Raised, "system", Now), (raised.Kind, raised.Actor, raised.At));
        Assert.Contains("Downloads", raised.Comment);
    }

    [Theory]
    [InlineData(PolicyCategory.ThreatDetection, AlertCategory.ThreatDetection)]
    [InlineData(PolicyCategory.InformationProtection, AlertCategory.SharingControl)]
    [InlineData(PolicyCategory.ConditionalAccess, AlertCategory.AccessControl)]
    [InlineData(PolicyCategory.ShadowIT, AlertCategory.Discovery)]
    public void ThePolicyCategory_MapsToTheMcasAlertCategory(PolicyCategory category, AlertCategory expected)
    {
        var source = Policy();
        source.Category = category;

        var alert = SingleAlert(CompiledPolicy.Compile(source), Now, At(0));

        Assert.Equal(expected, alert.Category);
        Assert.Equal(expected, AlertBuilder.CategoryOf(category));
    }

    [Theory]
    [InlineData(AlertSeverity.Informational)]
    [InlineData(AlertSeverity.Low)]
    [InlineData(AlertSeverity.Medium)]
    [InlineData(AlertSeverity.High)]
    public void TheAlert_HasThePolicysSeverity(AlertSeverity severity)
    {
        var source = Policy();
        source.Severity = severity;

        Assert.Equal(severity, SingleAlert(CompiledPolicy.Compile(source), Now, At(0)).Severity);
    }

    [Fact]
    public void AThresholdAlert_DescribesTheUserTheCountAndTheWindow()
    {
        var policy = Threshold(count: 3, minutes: 5);
        var activities = new[]
        {
            Activity(T0, ip: "203.0.113.5"),
            Activity(T0.AddMinutes(1), ip: "203.0.113.6", app: "OneDrive"),
            Activity(T0.AddMinutes(2), ip: "203.0.113.5"),
        };

        var alert = SingleAlert(policy, Now, activities);

        Assert.Equal("ada@contoso.com performed 3 matching activities (FileDownload) in SharePoint, OneDrive within 5 minutes from 203.0.113.5, 203.0.113.6.", alert.Description);
        Assert.Equal("Mass download", alert.Title);
        Assert.Equal(activities.Select(a => a.Id.ToString()), alert.Evidence);
    }

    [Fact]
    public void AThresholdAlert_NamesEachDistinctEntityOnce_IgnoringCase()
    {
        var policy = Threshold(count: 3, minutes: 5);
        var activities = new[]
        {
            Activity(T0, app: "SharePoint", objectName: "a.xlsx"),
            Activity(T0.AddMinutes(1), app: "sharepoint", objectName: "A.xlsx"),
            Activity(T0.AddMinutes(2), app: "OneDrive", objectName: "b.xlsx"),
        };

        var alert = SingleAlert(policy, Now, activities);

        Assert.Equal([(AlertEntityType.Service, "SharePoint"), (AlertEntityType.Service, "OneDrive")], EntitiesOf(alert, AlertEntityType.Service));
        Assert.Equal([(AlertEntityType.File, "a.xlsx"), (AlertEntityType.File, "b.xlsx")], EntitiesOf(alert, AlertEntityType.File));
        Assert.Single(alert.Entities, e => e.Type == AlertEntityType.Account);
    }

    [Fact]
    public void AThresholdAlert_NamesAtMostTwentyEntitiesOfAType()
    {
        var policy = Threshold(count: 30, minutes: 60);
        var activities = Enumerable.Range(0, 30).Select(i => Activity(T0.AddMinutes(i), objectName: $"file-{i}.xlsx", ip: $"203.0.113.{i + 1}")).ToArray();

        var alert = SingleAlert(policy, Now, activities);

        Assert.Equal(30, alert.Evidence.Count);
        Assert.Equal(20, EntitiesOf(alert, AlertEntityType.File).Count());
        Assert.Equal(20, EntitiesOf(alert, AlertEntityType.Ip).Count());
        Assert.Contains("from 203.0.113.1, 203.0.113.2, 203.0.113.3, 203.0.113.4, 203.0.113.5 and 25 more.", alert.Description);
    }

    [Fact]
    public void AThresholdAlert_WhoseEarlierActivitiesAreGone_StillCountsAndListsThem()
    {
        var policy = Threshold(count: 3, minutes: 5);
        var state = new InMemoryPolicyEngineState();
        var earlier = new[] { Activity(T0, ip: "198.51.100.1"), Activity(T0.AddMinutes(1), ip: "198.51.100.2") };
        var last = Activity(T0.AddMinutes(2), ip: "203.0.113.5");
        Assert.Empty(Raise(policy, state, Now, earlier).Triggers);
        var trigger = Assert.Single(Raise(policy, state, Now, last).Triggers);

        var alert = Build(trigger, [last], Now);

        Assert.Equal([.. earlier.Select(a => a.Id.ToString()), last.Id.ToString()], alert.Evidence);
        Assert.StartsWith("ada@contoso.com performed 3 matching activities", alert.Description);
        Assert.Equal([(AlertEntityType.Ip, "203.0.113.5")], EntitiesOf(alert, AlertEntityType.Ip));
    }
}
