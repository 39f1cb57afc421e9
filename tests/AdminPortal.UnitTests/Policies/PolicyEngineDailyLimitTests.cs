using AdminPortal.Core.Features.Activities;
using AdminPortal.Core.Features.Policies;
using Microsoft.Extensions.Time.Testing;
using static AdminPortal.UnitTests.Policies.PolicyTestData;

namespace AdminPortal.UnitTests.Policies;

/// <summary>The daily alert limit per policy: counted per UTC day, the rest suppressed and counted.</summary>
public sealed class PolicyEngineDailyLimitTests
{
    private readonly InMemoryPolicyEngineState _state = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 2, 23, 50, 0, TimeSpan.Zero));

    private static Activity[] Downloads(int count, DateTimeOffset from) =>
        Enumerable.Range(0, count).Select(i => Activity(from.AddSeconds(i))).ToArray();

    private EngineResult Raise(CompiledPolicy policy, params Activity[] activities) =>
        PolicyTestData.Raise(policy, _state, _time.GetUtcNow(), activities);

    private PolicyDailyCount Today(CompiledPolicy policy) =>
        _state.DailyCounts[(policy.Id, DateOnly.FromDateTime(_time.GetUtcNow().UtcDateTime))];

    [Fact]
    public void UpToTheLimit_AlertsAreRaised_TheRestSuppressedAndCounted()
    {
        var policy = PerMatch(dailyLimit: 3);
        var activities = Downloads(5, _time.GetUtcNow().AddMinutes(-5));

        var raised = Raise(policy, activities);

        Assert.Equal(Ids(activities[..3]), raised.Triggers.SelectMany(t => t.Evidence));
        Assert.Equal(2, raised.Suppressed);
        Assert.Equal((3, 2), (Today(policy).Alerts, Today(policy).Suppressed));
    }

    [Fact]
    public void ExactlyTheLimit_SuppressesNothing()
    {
        var policy = PerMatch(dailyLimit: 3);

        var raised = Raise(policy, Downloads(3, _time.GetUtcNow()));

        Assert.Equal(3, raised.Triggers.Count);
        Assert.Equal(0, raised.Suppressed);
    }

    [Fact]
    public void TheLimit_HoldsAcrossBatchesOnTheSameDay()
    {
        var policy = PerMatch(dailyLimit: 3);
        Assert.Equal(2, Raise(policy, Downloads(2, _time.GetUtcNow())).Triggers.Count);
        _time.Advance(TimeSpan.FromMinutes(5));

        var raised = Raise(policy, Downloads(3, _time.GetUtcNow()));

        Assert.Single(raised.Triggers);
        Assert.Equal(2, raised.Suppressed);
        Assert.Equal((3, 2), (Today(policy).Alerts, Today(policy).Suppressed));
    }

    [Fact]
    public void TheNextUtcDay_AlertsResume()
    {
        var policy = PerMatch(dailyLimit: 2);
        Assert.Equal(1, Raise(policy, Downloads(3, _time.GetUtcNow())).Suppressed);
        Assert.Equal(1, Raise(policy, Downloads(1, _time.GetUtcNow())).Suppressed);

        _time.Advance(TimeSpan.FromMinutes(10)); // 00:00 UTC
        var raised = Raise(policy, Downloads(3, _time.GetUtcNow()));

        Assert.Equal(2, raised.Triggers.Count);
        Assert.Equal(1, raised.Suppressed);
        Assert.Equal(new DateOnly(2026, 3, 3), Today(policy).Day);
        Assert.Equal((2, 1), (Today(policy).Alerts, Today(policy).Suppressed));
        Assert.Equal(2, _state.DailyCounts[(policy.Id, new DateOnly(2026, 3, 2))].Suppressed);
    }

    [Fact]
    public void TheDay_IsTheUtcDay_NotTheOffsetsLocalDay()
    {
        var policy = PerMatch(dailyLimit: 1);
        var eveningInNewYork = new DateTimeOffset(2026, 3, 2, 21, 0, 0, TimeSpan.FromHours(-5)); // 02:00 UTC on the 3rd

        PolicyTestData.Raise(policy, _state, eveningInNewYork, Downloads(2, eveningInNewYork));

        var (key, count) = Assert.Single(_state.DailyCounts);
        Assert.Equal(new DateOnly(2026, 3, 3), key.Day);
        Assert.Equal((1, 1), (count.Alerts, count.Suppressed));
    }

    [Fact]
    public void EachPolicy_HasItsOwnLimit()
    {
        var strict = PerMatch(dailyLimit: 1, name: "strict");
        var lenient = PerMatch(dailyLimit: 5, name: "lenient");

        var raised = PolicyEngine.Raise(PolicyEngine.Match(Downloads(3, _time.GetUtcNow()), [strict, lenient]), _state, _time.GetUtcNow());

        Assert.Single(raised.Triggers, t => t.Policy == strict);
        Assert.Equal(3, raised.Triggers.Count(t => t.Policy == lenient));
        Assert.Equal(2, raised.Suppressed);
    }

    [Fact]
    public void ThresholdAlerts_CountOncePerWindowAgainstTheLimit()
    {
        var policy = Threshold(count: 2, minutes: 5, dailyLimit: 1);
        var start = _time.GetUtcNow().AddHours(-1);
        var activities = new[] { Activity(start), Activity(start.AddMinutes(1)), Activity(start.AddMinutes(10)), Activity(start.AddMinutes(11)) };

        var raised = Raise(policy, activities);

        var trigger = Assert.Single(raised.Triggers);
        Assert.Equal(Ids(activities[..2]), trigger.Evidence);
        Assert.Equal(1, raised.Suppressed);
    }
}
