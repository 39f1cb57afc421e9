namespace AdminPortal.Core;

/// <summary>
/// Wakes a background loop at once (new work on this instance); the loop polls otherwise. Several wake-ups before the
/// loop looks again count as one.
/// </summary>
public class WakeSignal
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
