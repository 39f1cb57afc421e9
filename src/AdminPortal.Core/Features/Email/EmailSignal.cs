using AdminPortal.Core.Features.Alerts;

namespace AdminPortal.Core.Features.Email;

/// <summary>Wakes this instance's e-mail sender when alerts are raised here; it polls otherwise.</summary>
public sealed class EmailSignal
{
    private readonly SemaphoreSlim _wake = new(0, 1);

    public EmailSignal(AlertSignal alerts) => alerts.Raised += _ => Wake();

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
        await Task.WhenAll(woken, polled).ContinueWith(_ => { }, TaskScheduler.Default);
    }
}
