namespace AdminPortal.Core.Features.Dispatch;

/// <summary>The outbox: one row per (alert, playbook), written in the same transaction as the alert.</summary>
public sealed class Delivery
{
    /// <summary>Sent as <c>webhook-id</c>; stable across retries and replays.</summary>
    public Guid Id { get; set; } = Guid.NewGuid();
    /// <summary>Null for a test alert sent from the Playbooks tab.</summary>
    public string? AlertId { get; set; }
    public Guid PlaybookId { get; set; }
    /// <summary>The JSON body, fixed when the alert was raised.</summary>
    public required string Payload { get; set; }
    public DeliveryState State { get; set; } = DeliveryState.Pending;
    public int AttemptCount { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public string? LeaseOwner { get; set; }
    public DateTimeOffset? LeaseExpiresAt { get; set; }
    public int? LastStatusCode { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public List<DeliveryAttempt> Attempts { get; set; } = [];
}

public enum DeliveryState { Pending, InFlight, Delivered, DeadLettered, Cancelled }

/// <summary>One try of a delivery, kept for the delivery log.</summary>
public sealed class DeliveryAttempt
{
    public long Id { get; set; }
    public Guid DeliveryId { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public int DurationMs { get; set; }
    public int? StatusCode { get; set; }
    public string? Error { get; set; }
    /// <summary>First 4 KB of the response body.</summary>
    public string? ResponseBody { get; set; }
}
