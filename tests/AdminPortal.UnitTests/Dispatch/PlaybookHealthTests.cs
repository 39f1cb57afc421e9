using AdminPortal.Core.Features.Dispatch;
using AdminPortal.Core.Features.Playbooks;

namespace AdminPortal.UnitTests.Dispatch;

/// <summary>"No success for 5 days → disabled" counts from the first failure, not from the last success.</summary>
public sealed class PlaybookHealthTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly DispatchOptions Settings = new();
    private static readonly AttemptResult Unavailable = new(503, null, null, null, TimeSpan.FromMilliseconds(20));
    private static readonly AttemptResult Ok = new(200, null, null, null, TimeSpan.FromMilliseconds(20));

    private static Playbook Quiet(TimeSpan since) => new()
    {
        Name = "n8n", CallbackUrlEncrypted = "x", CallbackUrlHash = [], CallbackUrlMasked = "x", SigningSecretEncrypted = "x",
        CreatedAt = Now - since - TimeSpan.FromDays(1), Health = { LastSuccessAt = Now - since },
    };

    [Fact]
    public void APlaybookQuietForAWeek_IsNotDisabledByItsFirstFailure()
    {
        var playbook = Quiet(TimeSpan.FromDays(7));

        DispatcherService.UpdateHealth(playbook, Unavailable, AttemptOutcome.Retry, Now, Settings);

        Assert.True(playbook.IsEnabled);
        Assert.Equal(Now, playbook.Health.FailingSince);
        Assert.Equal(1, playbook.Health.ConsecutiveFailures);
    }

    [Fact]
    public void APlaybookFailingForFiveDays_IsDisabled_SayingWhy()
    {
        var playbook = Quiet(TimeSpan.FromDays(7));
        DispatcherService.UpdateHealth(playbook, Unavailable, AttemptOutcome.Retry, Now, Settings);

        DispatcherService.UpdateHealth(playbook, Unavailable, AttemptOutcome.Retry, Now + TimeSpan.FromDays(4.9), Settings);
        Assert.True(playbook.IsEnabled);
        DispatcherService.UpdateHealth(playbook, Unavailable, AttemptOutcome.Retry, Now + TimeSpan.FromDays(5.1), Settings);

        Assert.False(playbook.IsEnabled);
        Assert.Equal("No successful delivery for 5 days.", playbook.Health.DisabledReason);
    }

    [Fact]
    public void ASuccess_StartsTheCountAgain()
    {
        var playbook = Quiet(TimeSpan.FromDays(7));
        DispatcherService.UpdateHealth(playbook, Unavailable, AttemptOutcome.Retry, Now, Settings);
        DispatcherService.UpdateHealth(playbook, Ok, AttemptOutcome.Delivered, Now + TimeSpan.FromDays(3), Settings);
        Assert.Null(playbook.Health.FailingSince);

        DispatcherService.UpdateHealth(playbook, Unavailable, AttemptOutcome.Retry, Now + TimeSpan.FromDays(6), Settings);

        Assert.True(playbook.IsEnabled);
        Assert.Equal(Now + TimeSpan.FromDays(6), playbook.Health.FailingSince);
    }

    [Fact]
    public void Gone_DisablesAtOnce()
    {
        var playbook = Quiet(TimeSpan.FromMinutes(1));

        DispatcherService.UpdateHealth(playbook, new AttemptResult(410, null, null, null, TimeSpan.Zero), AttemptOutcome.Gone, Now, Settings);

        Assert.False(playbook.IsEnabled);
        Assert.StartsWith("Endpoint gone", playbook.Health.DisabledReason);
    }
}
