namespace AdminPortal.Core.Features.Dispatch;

/// <summary>Wakes this instance's dispatcher at once (a replay, a test alert, a finished send); it polls otherwise.</summary>
public sealed class DispatchSignal
{
    private readonly SemaphoreSlim _wake = new(0, 1);

    public void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already awake: one pending wake-up is enough.
        }
    }

    /// <summary>Returns when woken or after <paramref name="poll"/> on <paramref name="time"/>'s clock.</summary>
    public async Task WaitAsync(TimeSpan poll, TimeProvider time, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var woken = _wake.WaitAsync(stop.Token);
        var polled = Task.Delay(poll, time, stop.Token);
        await Task.WhenAny(woken, polled);
        await stop.CancelAsync();
        cancellationToken.ThrowIfCancellationRequested();
        // If both finished, the wake-up was consumed; if only the poll did, the cancelled wait consumed nothing.
        await Task.WhenAll(woken, polled).ContinueWith(_ => { }, TaskScheduler.Default);
    }
}
