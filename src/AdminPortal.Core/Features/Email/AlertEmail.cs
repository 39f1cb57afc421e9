namespace AdminPortal.Core.Features.Email;

/// <summary>
/// The e-mail outbox: one row per (alert, recipient), written in the same transaction as the alert, and one per
/// recipient and day that went over the daily limit (the summary). Rendered when sent, from the stored alert.
/// </summary>
public sealed class AlertEmail
{
    /// <summary>Also the Message-Id, stable across retries.</summary>
    public Guid Id { get; set; } = Guid.NewGuid();
    public AlertEmailKind Kind { get; set; }
    /// <summary>Null for a summary.</summary>
    public string? AlertId { get; set; }
    /// <summary>The policy that raised the alert; for a summary, the one whose alert first went over the limit.</summary>
    public required string PolicyId { get; set; }
    /// <summary>Lower case: the daily limit counts per address.</summary>
    public required string Recipient { get; set; }
    /// <summary>The UTC day the message counts against.</summary>
    public DateOnly Day { get; set; }
    public AlertEmailState State { get; set; } = AlertEmailState.Pending;
    public int AttemptCount { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public string? LeaseOwner { get; set; }
    public DateTimeOffset? LeaseExpiresAt { get; set; }
    /// <summary>The server's reply or the connection error of the last failed attempt; never a credential.</summary>
    public string? LastError { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
}

public enum AlertEmailKind { Alert, Summary }

/// <summary>
/// Pending: due at <see cref="AlertEmail.NextAttemptAt"/>. Sending: leased to an instance. Suppressed: held back by the
/// daily limit, never sent. Failed: refused by the server (5xx) or out of retries.
/// </summary>
public enum AlertEmailState { Pending, Sending, Sent, Failed, Suppressed }

/// <summary>How many alert e-mails one address was given on one UTC day: the daily limit's counter, shared by instances.</summary>
public sealed class EmailRecipientDay
{
    public required string Recipient { get; set; }
    public DateOnly Day { get; set; }
    public int Queued { get; set; }
    public int Suppressed { get; set; }
    /// <summary>Concurrency token: two instances counting at once make one of them redo its batch.</summary>
    public Guid Version { get; set; } = Guid.NewGuid();
}
