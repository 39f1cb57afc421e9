namespace AdminPortal.Core.Features.Dispatch;

/// <summary>Wakes this instance's dispatcher at once (a replay, a test alert, a finished send); it polls otherwise.</summary>
public sealed class DispatchSignal : WakeSignal;
