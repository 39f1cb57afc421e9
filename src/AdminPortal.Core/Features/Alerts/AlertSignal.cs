namespace AdminPortal.Core.Features.Alerts;

/// <summary>
/// Tells this instance's listeners (open Alerts pages, the dispatcher) that alerts were committed, at once.
/// Other instances' alerts are found by polling.
/// </summary>
public sealed class AlertSignal
{
    public event Action<IReadOnlyList<Alert>>? Raised;

    /// <summary>Called after the commit; a listener that throws does not stop the others or the caller.</summary>
    public void Raise(IReadOnlyList<Alert> alerts)
    {
        foreach (var listener in Raised?.GetInvocationList().Cast<Action<IReadOnlyList<Alert>>>() ?? [])
        {
            try
            {
                listener(alerts);
            }
            catch (Exception)
            {
                // A page that went away mid-notification; its own error handling shows it.
            }
        }
    }
}
