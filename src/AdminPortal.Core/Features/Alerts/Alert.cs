namespace AdminPortal.Core.Features.Alerts;

/// <summary>Raised by a policy; numeric enum values match the MCAS API.</summary>
public sealed class Alert
{
    /// <summary>24 lower-case hex characters, as MCAS alert ids.</summary>
    public string Id { get; set; } = PortalIds.NewId();
    public DateTimeOffset CreatedAt { get; set; }
    public required string Title { get; set; }
    public string Description { get; set; } = "";
    public AlertSeverity Severity { get; set; }
    public AlertReadStatus ReadStatus { get; set; } = AlertReadStatus.Unread;
    public ResolutionStatus ResolutionStatus { get; set; } = ResolutionStatus.Open;
    public int? ResolutionReasonId { get; set; }
    public string? ResolutionComment { get; set; }
    public string? HandledBy { get; set; }
    public DateTimeOffset? ClosedAt { get; set; }
    public required string PolicyId { get; set; }
    public AlertCategory Category { get; set; }
    /// <summary>The user (or other entity) the alert is mainly about, shown in the grid.</summary>
    public string? MainEntity { get; set; }
    /// <summary>Policy + main entity: repeated alerts about the same thing share it.</summary>
    public required string CorrelationKey { get; set; }
    public List<AlertEntity> Entities { get; set; } = [];
    /// <summary>Ids of the activities that matched.</summary>
    public List<string> Evidence { get; set; } = [];
    /// <summary>Comments and state changes, oldest first.</summary>
    public List<AlertEvent> History { get; set; } = [];

    public bool IsOpen => ResolutionStatus == ResolutionStatus.Open;
}

/// <summary>MCAS numbers: 0 Low, 1 Medium, 2 High, 3 Informational.</summary>
public enum AlertSeverity { Low = 0, Medium = 1, High = 2, Informational = 3 }

/// <summary>MCAS <c>statusValue</c>: 0 Unread, 1 Read.</summary>
public enum AlertReadStatus { Unread = 0, Read = 1 }

/// <summary>MCAS <c>resolutionStatusValue</c>; Dismissed and Resolved are legacy.</summary>
public enum ResolutionStatus { Open = 0, Dismissed = 1, Resolved = 2, FalsePositive = 3, Benign = 4, TruePositive = 5 }

/// <summary>MCAS <c>stories</c> numbers.</summary>
public enum AlertCategory
{
    ThreatDetection = 0, PrivilegedAccounts = 1, Compliance = 2, DataLossPrevention = 3,
    Discovery = 4, SharingControl = 5, AccessControl = 7, ConfigurationMonitoring = 8,
}

/// <summary>Something an alert is about: an account, an IP, an app, a file, a country or the policy.</summary>
public sealed class AlertEntity
{
    public long Id { get; set; }
    public string AlertId { get; set; } = "";
    public AlertEntityType Type { get; set; }
    public required string Value { get; set; }
    public string? Label { get; set; }
    public string? Role { get; set; }
}

public enum AlertEntityType { Account, Ip, Service, File, Country, PolicyRule }

/// <summary>One line of an alert's history: who read, closed or commented on it, and when.</summary>
public sealed class AlertEvent
{
    public long Id { get; set; }
    public string AlertId { get; set; } = "";
    public DateTimeOffset At { get; set; }
    public required string Actor { get; set; }
    public AlertEventKind Kind { get; set; }
    public ResolutionStatus? Resolution { get; set; }
    public int? ReasonId { get; set; }
    public string? Comment { get; set; }
}

public enum AlertEventKind { Raised, MarkedRead, MarkedUnread, Closed }
