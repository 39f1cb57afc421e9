using AdminPortal.Core.Features.Alerts;

namespace AdminPortal.Core.Features.Email;

/// <summary>Wakes this instance's e-mail sender when alerts are raised here; it polls otherwise.</summary>
public sealed class EmailSignal : WakeSignal
{
    public EmailSignal(AlertSignal alerts) => alerts.Raised += _ => Wake();
}
