using AdminPortal.Core.Features.Activities;
using AdminPortal.Core.Features.Policies;
using static AdminPortal.UnitTests.Policies.PolicyTestData;

namespace AdminPortal.UnitTests.Policies;

/// <summary>Repeat thresholds: at least N matches by one user within M minutes, one alert per window.</summary>
public sealed class PolicyEngineThresholdTests
{
    private readonly InMemoryPolicyEngineState _state = new();
    private readonly CompiledPolicy _threeInFive = Threshold(count: 3, minutes: 5);

    private EngineResult Raise(params Activity[] activities) =>
        PolicyTestData.Raise(_threeInFive, _state, T0.AddHours(1), activities);

    [Fact]
    public void OneMatchTooFew_RaisesNothing_ButIsRemembered()
    {
        var raised = Raise(At(0), At(1));

        Assert.Empty(raised.Triggers);
        Assert.Equal(0, raised.Suppressed);
        Assert.Equal(2, ThresholdHit.Parse(_state.Threshold(_threeInFive.Id, Ada).Recent).Count);
    }

    [Fact]
    public void EnoughMatchesWithinTheWindow_RaiseOneAlert_WithExactlyThoseActivitiesAsEvidence()
    {
        var activities = new[] { At(0), At(2), At(4) };

        var trigger = Assert.Single(Raise(activities).Triggers);

        Assert.Equal(Ids(activities), trigger.Evidence);
        Assert.Equal(Ada, trigger.User);
    }

    [Fact]
    public void EnoughMatches_JustInsideTheWindow_RaiseAnAlert() =>
        Assert.Single(Raise(At(0), At(2), Activity(T0.AddMinutes(5).AddSeconds(-1))).Triggers);

    [Fact]
    public void TheEvidence_IsTheLastNMatches_WhenEarlierOnesFellOutOfTheWindow()
    {
        var old = At(0);
        var recent = new[] { At(6), At(7), At(8) };

        var trigger = Assert.Single(Raise([old, .. recent]).Triggers);

        Assert.Equal(Ids(recent), trigger.Evidence);
    }

    [Fact]
    public void MoreMatchesInTheSameWindow_RaiseNoSecondAlert()
    {
        var raised = Raise(At(0), At(1), At(2), At(3), At(4));

        Assert.Single(raised.Triggers);
        Assert.Equal(0, raised.Suppressed);
    }

    [Fact]
    public void MatchesSpreadWiderThanTheWindow_RaiseNothing() =>
        Assert.Empty(Raise(At(0), At(3), At(6), At(9), At(12)).Triggers);

    [Fact]
    public void MatchesExactlyAWindowApart_DoNotCountTogether() =>
        Assert.Empty(Raise(At(0), At(2), At(5)).Triggers);

    [Fact]
    public void ANewWindowAfterTheFirstEnds_RaisesASecondAlert()
    {
        var first = new[] { At(0), At(1), At(2) };
        var second = new[] { At(6), At(7), At(8) };

        var raised = Raise([.. first, .. second]);

        Assert.Equal([Ids(first), Ids(second)], raised.Triggers.Select(t => t.Evidence.ToArray()));
    }

    [Fact]
    public void TheInputOrder_DoesNotMatter()
    {
        var activities = new[] { At(4), At(0), At(2) };

        var trigger = Assert.Single(Raise(activities).Triggers);

        Assert.Equal(Ids(activities[1], activities[2], activities[0]), trigger.Evidence);
    }

    [Fact]
    public void TwoUsers_AreCountedSeparately()
    {
        var raised = Raise(At(0, Ada), At(0, Bob), At(1, Ada), At(1, Bob));

        Assert.Empty(raised.Triggers);
    }

    [Fact]
    public void TwoUsers_EachReachingTheThreshold_GetAnAlertEach()
    {
        var ada = new[] { At(0, Ada), At(1, Ada), At(2, Ada) };
        var bob = new[] { At(0, Bob), At(3, Bob), At(4, Bob) };

        var raised = Raise([ada[0], bob[0], ada[1], ada[2], bob[1], bob[2]]);

        Assert.Equal(2, raised.Triggers.Count);
        Assert.Equal(Ids(ada), raised.Triggers.Single(t => t.User == Ada).Evidence);
        Assert.Equal(Ids(bob), raised.Triggers.Single(t => t.User == Bob).Evidence);
    }

    [Fact]
    public void MatchesFromTwoBatches_CountTogether()
    {
        var earlier = new[] { At(0), At(1) };
        var later = At(3);

        Assert.Empty(Raise(earlier).Triggers);
        var trigger = Assert.Single(Raise(later).Triggers);

        Assert.Equal([.. Ids(earlier), .. Ids(later)], trigger.Evidence);
    }

    [Fact]
    public void MatchesFromTwoBatches_SpreadWiderThanTheWindow_RaiseNothing()
    {
        Assert.Empty(Raise(At(0), At(1)).Triggers);

        Assert.Empty(Raise(At(6)).Triggers);
    }

    [Fact]
    public void AWindowThatRaisedItsAlert_RaisesNoSecondOne_InTheNextBatch()
    {
        Assert.Single(Raise(At(0), At(1), At(2)).Triggers);

        Assert.Empty(Raise(At(3), At(4)).Triggers);
    }

    [Fact]
    public void AfterTheAlertedWindow_TheNextBatchStartsANewCount()
    {
        Assert.Single(Raise(At(0), At(1), At(2)).Triggers);

        var next = new[] { At(5), At(6), At(7) };
        var trigger = Assert.Single(Raise(next).Triggers);

        Assert.Equal(Ids(next), trigger.Evidence);
    }

    [Fact]
    public void TheOtherPolicysCount_IsNotShared()
    {
        var other = Threshold(count: 3, minutes: 5);
        Assert.Empty(PolicyTestData.Raise(other, _state, T0, At(0), At(1)).Triggers);

        Assert.Empty(Raise(At(2)).Triggers);
    }

    /// <summary>
    /// An activity that arrives late (in a later batch, but older than what the state remembers) is still only
    /// counted with matches within the window of its own time.
    /// </summary>
    [Fact]
    public void ALateMatchFromALaterBatch_DoesNotCountWithMatchesMoreThanAWindowAway()
    {
        var twoInFive = Threshold(count: 2, minutes: 5);
        Assert.Empty(PolicyTestData.Raise(twoInFive, _state, T0.AddHours(1), At(10)).Triggers);

        var raised = PolicyTestData.Raise(twoInFive, _state, T0.AddHours(1), At(0));

        Assert.Empty(raised.Triggers);
    }
}
