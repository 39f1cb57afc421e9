namespace AdminPortal.Core.Features.Audit;

/// <summary>Who did what to what, and when. Never holds a secret.</summary>
public sealed class AuditEntry
{
    public long Id { get; set; }
    public DateTimeOffset At { get; set; }
    /// <summary>UPN of the user (directly or through a token), or "system".</summary>
    public required string Actor { get; set; }
    public required string Action { get; set; }
    public string? TargetType { get; set; }
    public string? TargetId { get; set; }
    public string? Details { get; set; }
    public string? ClientAddress { get; set; }
}
