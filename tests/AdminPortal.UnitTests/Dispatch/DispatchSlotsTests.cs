using System.Threading.Channels;
using AdminPortal.Core.Features.Dispatch;
using Microsoft.Extensions.Time.Testing;

namespace AdminPortal.UnitTests.Dispatch;

/// <summary>
/// The dispatcher's in-memory side: concurrency caps, the next delivery started as soon as one finishes, how far
/// ahead a playbook is leased (its pace), leases too close to expiry, and when a finished send calls for a claim pass.
/// </summary>
public sealed class DispatchSlotsTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly DispatchOptions _settings = new() { MaxConcurrency = 4, PerPlaybookConcurrency = 2 };
    private readonly Channel<(Claimed Claimed, TaskCompletionSource Answer)> _started = Channel.CreateUnbounded<(Claimed, TaskCompletionSource)>();
    private int _roomMade;

    private DispatchSlots Slots() => new(_settings, _time, claimed =>
    {
        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _started.Writer.TryWrite((claimed, answer));
        return answer.Task;
    }, () => Interlocked.Increment(ref _roomMade));

    private Claimed Delivery(Guid playbookId, TimeSpan? leaseLeft = null) =>
        new(new Delivery { PlaybookId = playbookId, Payload = "{}" }, null, "lease", _time.GetUtcNow() + (leaseLeft ?? TimeSpan.FromMinutes(1)));

    private async Task<(Claimed Claimed, TaskCompletionSource Answer)> NextStartedAsync()
    {
        using var timeout = new CancellationTokenSource(Wait);
        return await _started.Reader.ReadAsync(timeout.Token);
    }

    private List<(Claimed Claimed, TaskCompletionSource Answer)> StartedSoFar()
    {
        var started = new List<(Claimed, TaskCompletionSource)>();
        while (_started.Reader.TryRead(out var next))
            started.Add(next);
        return started;
    }

    [Fact]
    public async Task APlaybook_NeverHasMoreThanItsCapInFlight_AndAFinishedSendStartsItsNextAtOnce()
    {
        var slots = Slots();
        var playbook = Guid.NewGuid();
        var deliveries = Enumerable.Range(0, 5).Select(_ => Delivery(playbook)).ToList();

        slots.Add(deliveries);
        var first = await NextStartedAsync();
        var second = await NextStartedAsync();
        Assert.Empty(StartedSoFar());

        first.Answer.SetResult();
        var third = await NextStartedAsync();
        Assert.Same(deliveries[2], third.Claimed); // oldest claim first
        Assert.Empty(StartedSoFar());
        Assert.NotSame(first.Claimed, second.Claimed);
    }

    [Fact]
    public async Task TheGlobalLimit_IsShared_AndOnePlaybookAtItsCapDoesNotHoldUpAnother()
    {
        var slots = Slots();
        var hung = Guid.NewGuid();
        var healthy = Guid.NewGuid();
        // The hung playbook's deliveries were claimed first, yet only its cap of them may be in flight.
        slots.Add([Delivery(hung), Delivery(hung), Delivery(hung), Delivery(hung), Delivery(healthy), Delivery(healthy)]);

        var started = new[] { await NextStartedAsync(), await NextStartedAsync(), await NextStartedAsync(), await NextStartedAsync() };
        Assert.Equal(2, started.Count(s => s.Claimed.Delivery.PlaybookId == hung));
        Assert.Equal(2, started.Count(s => s.Claimed.Delivery.PlaybookId == healthy));
        Assert.Empty(StartedSoFar()); // MaxConcurrency 4 reached
    }

    [Fact]
    public void APlaybookThatFinishesNothing_IsLeasedAtMostTwiceItsCap_OthersStillGetRoom()
    {
        var slots = Slots();
        var hung = Guid.NewGuid();
        var other = Guid.NewGuid();

        var granted = slots.Reserve([.. Enumerable.Repeat(hung, 10), other]);

        Assert.Equal(2 * _settings.PerPlaybookConcurrency, granted.Take(10).Count(g => g));
        Assert.True(granted[10]);
        var (_, full) = slots.BeginPass();
        Assert.Equal([hung], full);
    }

    [Fact]
    public async Task APlaybookThatKeepsUp_IsLeasedFurtherAhead()
    {
        var slots = Slots();
        var fast = Guid.NewGuid();
        slots.Add([.. Enumerable.Range(0, 4).Select(_ => Delivery(fast))]);
        for (var i = 0; i < 4; i++)
            (await NextStartedAsync()).Answer.SetResult();
        await WaitUntilAsync(() => slots.Held == 0);

        // Four finished within this quarter second: about two seconds of that pace (16) may be held, not just 2 × 2.
        var granted = slots.Reserve([.. Enumerable.Repeat(fast, 20)]);
        Assert.Equal(16, granted.Count(g => g));

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.DoesNotContain(true, slots.Reserve([fast])); // the pace is forgotten: back to twice the cap
    }

    [Fact]
    public async Task ADeliveryWhoseLeaseWouldRunOutMidSend_IsNotSent()
    {
        var slots = Slots();
        var playbook = Guid.NewGuid();
        var late = Delivery(playbook, leaseLeft: _settings.AttemptTimeout - TimeSpan.FromSeconds(1));
        var inTime = Delivery(playbook);

        slots.Add([late, inTime]);

        Assert.Same(inTime, (await NextStartedAsync()).Claimed);
        Assert.Empty(StartedSoFar());
        Assert.Empty(slots.Stop().Unsent); // dropped: its lease expires and a pass claims it again
    }

    [Fact]
    public async Task AFinishedSend_CallsForAPass_OnlyWhenItsPlaybookHasDeliveriesLeftPending()
    {
        var slots = Slots();
        var playbook = Guid.NewGuid();
        slots.EndPass(incomplete: false, behind: []);
        slots.Add([Delivery(playbook)]);
        (await NextStartedAsync()).Answer.SetResult();
        await WaitUntilAsync(() => slots.Held == 0);
        Assert.Equal(0, Volatile.Read(ref _roomMade));

        slots.Add([Delivery(playbook)]);
        var running = await NextStartedAsync();
        slots.EndPass(incomplete: false, behind: [playbook]);
        running.Answer.SetResult();
        await WaitUntilAsync(() => Volatile.Read(ref _roomMade) == 1);
    }

    [Fact]
    public async Task LeasedInATransaction_WaitsForTheCommit_AndTheRoomReturnsIfItFails()
    {
        var slots = Slots();
        var playbook = Guid.NewGuid();
        Assert.All(slots.Reserve([playbook, playbook, playbook, playbook]), Assert.True);
        Assert.DoesNotContain(true, slots.Reserve([playbook]));
        Assert.Empty(StartedSoFar());

        var committed = new[] { Delivery(playbook), Delivery(playbook) };
        slots.AddReserved(committed, behind: []);
        await NextStartedAsync();
        await NextStartedAsync();
        slots.Unreserve([Delivery(playbook), Delivery(playbook)]);

        Assert.Equal(DispatchSlots.MaxHeld - 2, slots.BeginPass().Room);
    }

    [Fact]
    public async Task Stopping_StartsNothingMore_AndReturnsWhatWaited()
    {
        var slots = Slots();
        var playbook = Guid.NewGuid();
        slots.Add([Delivery(playbook), Delivery(playbook), Delivery(playbook)]);
        var first = await NextStartedAsync();
        await NextStartedAsync();

        var (unsent, sending) = slots.Stop();
        first.Answer.SetResult();

        Assert.Single(unsent);
        Assert.Equal(2, sending.Length);
        await WaitUntilAsync(() => slots.Held == 1);
        Assert.Empty(StartedSoFar());
        Assert.DoesNotContain(true, slots.Reserve([Guid.NewGuid()]));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(Wait);
        while (!condition())
            await Task.Delay(1, timeout.Token);
    }
}
