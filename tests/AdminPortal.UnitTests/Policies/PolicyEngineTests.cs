using AdminPortal.Core.Features.Policies;
using static AdminPortal.UnitTests.Policies.PolicyTestData;

namespace AdminPortal.UnitTests.Policies;

/// <summary>Matching and per-match alerts.</summary>
public sealed class PolicyEngineTests
{
    private readonly InMemoryPolicyEngineState _state = new();

    [Fact]
    public void Match_ReturnsEachPolicysMatches_InTimeOrder()
    {
        var late = At(10);
        var early = At(0);
        var middle = At(5);
        var upload = At(3, type: "FileUpload");

        var matches = PolicyEngine.Match([late, upload, early, middle], [PerMatch()]);

        var match = Assert.Single(matches);
        Assert.Equal([early, middle, late], match.Activities);
    }

    [Fact]
    public void Match_LeavesOutPoliciesThatMatchNothing()
    {
        var downloads = PerMatch(name: "Downloads");
        var logons = CompiledPolicy.Compile(Policy("Log-ons", Condition(ActivityFields.ActivityType, ConditionOperator.Equals, "LogOn")));
        var shares = CompiledPolicy.Compile(Policy("Shares", Condition(ActivityFields.ActivityType, ConditionOperator.Equals, "FileShare")));
        var logon = At(1, type: "LogOn");

        var matches = PolicyEngine.Match([At(0), logon], [downloads, logons, shares]);

        Assert.Equal([downloads, logons], matches.Select(m => m.Policy));
        Assert.Equal([logon], matches[1].Activities);
    }

    [Fact]
    public void Match_OneActivity_CanMatchSeveralPolicies()
    {
        var activity = At(0);

        var matches = PolicyEngine.Match([activity], [PerMatch(name: "a"), PerMatch(name: "b")]);

        Assert.Equal(2, matches.Count);
        Assert.All(matches, m => Assert.Equal([activity], m.Activities));
    }

    [Fact]
    public void Match_WithNoActivities_IsEmpty() => Assert.Empty(PolicyEngine.Match([], [PerMatch()]));

    [Fact]
    public void Raise_WithoutThreshold_RaisesOneAlertPerMatch_WithThatActivityAsEvidence()
    {
        var policy = PerMatch();
        var first = At(0);
        var second = At(1, user: Bob);

        var raised = Raise(policy, _state, T0, second, first);

        Assert.Equal(0, raised.Suppressed);
        Assert.Equal([Ids(first), Ids(second)], raised.Triggers.Select(t => t.Evidence.ToArray()));
        Assert.Equal([Ada, Bob], raised.Triggers.Select(t => t.User));
        Assert.All(raised.Triggers, t => Assert.Same(policy, t.Policy));
    }

    [Fact]
    public void Raise_WhenThePolicyCreatesNoAlerts_RaisesNothing_AndCountsNothing()
    {
        var source = Policy();
        source.AlertSettings.CreateAlertForEachMatch = false;
        var policy = CompiledPolicy.Compile(source);

        var raised = Raise(policy, _state, T0, At(0), At(1));

        Assert.Empty(raised.Triggers);
        Assert.Equal(0, raised.Suppressed);
        Assert.Empty(_state.DailyCounts);
        Assert.Empty(_state.Thresholds);
    }

    [Fact]
    public void Raise_WhenAThresholdPolicyCreatesNoAlerts_RaisesNothing()
    {
        var source = Policy();
        source.Threshold = new RepeatThreshold { Count = 2, WindowMinutes = 5 };
        source.AlertSettings.CreateAlertForEachMatch = false;

        Assert.Empty(Raise(CompiledPolicy.Compile(source), _state, T0, At(0), At(1), At(2)).Triggers);
    }

    [Fact]
    public void Raise_WithNoMatches_RaisesNothing() =>
        Assert.Empty(PolicyEngine.Raise([], _state, T0).Triggers);

    [Fact]
    public void Raise_ForSeveralPolicies_RaisesForEach()
    {
        var a = PerMatch(name: "a");
        var b = PerMatch(name: "b");

        var raised = PolicyEngine.Raise(PolicyEngine.Match([At(0)], [a, b]), _state, T0);

        Assert.Equal([a, b], raised.Triggers.Select(t => t.Policy));
    }
}
