namespace AdminPortal.Core.Features.Activities;

/// <summary>One event from a cloud app, as ingested; <see cref="Raw"/> keeps the original JSON so unknown fields survive.</summary>
public sealed class Activity
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public DateTimeOffset Timestamp { get; set; }
    public required string App { get; set; }
    public required string ActivityType { get; set; }
    public required string User { get; set; }
    public string? IpAddress { get; set; }
    /// <summary>ISO-3166 alpha-2.</summary>
    public string? Country { get; set; }
    public string? Device { get; set; }
    public string? ObjectName { get; set; }
    public string? ObjectId { get; set; }
    /// <summary>Who a file was shared with or a permission granted to.</summary>
    public string? TargetUser { get; set; }
    public string Raw { get; set; } = "{}";
    public DateTimeOffset IngestedAt { get; set; }
}
