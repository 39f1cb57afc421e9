using AdminPortal.Core.Data;

namespace AdminPortal.Core.Features.Audit;

/// <summary>Writes audit entries. Callers pass names and ids only, never secrets.</summary>
public sealed class AuditLog(PortalDbContext db, TimeProvider time)
{
    /// <summary>Adds an entry to the context; it is saved with the caller's own changes.</summary>
    public void Add(string actor, string action, string? targetType = null, string? targetId = null, string? details = null, string? clientAddress = null) =>
        db.AuditEntries.Add(new AuditEntry
        {
            At = time.GetUtcNow(),
            Actor = actor,
            Action = action,
            TargetType = targetType,
            TargetId = targetId,
            Details = details,
            ClientAddress = clientAddress,
        });
}

/// <summary>Audit action names.</summary>
public static class AuditActions
{
    public const string SignIn = "SignIn";
    public const string SignOut = "SignOut";
    public const string SignInLinkIssued = "SignInLinkIssued";
    public const string SignInFailed = "SignInFailed";
    public const string SignInLinkRefused = "SignInLinkRefused";
    public const string UserAdded = "UserAdded";
    public const string ApiTokenCreated = "ApiTokenCreated";
    public const string ApiTokenRevoked = "ApiTokenRevoked";
    public const string ApiTokenUsedAfterRevocation = "ApiTokenUsedAfterRevocation";
    public const string PolicyCreated = "PolicyCreated";
    public const string PolicyUpdated = "PolicyUpdated";
    public const string PolicyEnabled = "PolicyEnabled";
    public const string PolicyDisabled = "PolicyDisabled";
    public const string PolicyDeleted = "PolicyDeleted";
    public const string PolicyDefaultsSaved = "PolicyDefaultsSaved";
    public const string AlertClosed = "AlertClosed";
    public const string PlaybookRegistered = "PlaybookRegistered";
    public const string PlaybookUnregistered = "PlaybookUnregistered";
    public const string PlaybookCreated = "PlaybookCreated";
    public const string PlaybookRenamed = "PlaybookRenamed";
    public const string PlaybookEnabled = "PlaybookEnabled";
    public const string PlaybookDisabled = "PlaybookDisabled";
    public const string PlaybookShared = "PlaybookShared";
    public const string PlaybookDeleted = "PlaybookDeleted";
    public const string PlaybookSecretRotated = "PlaybookSecretRotated";
    public const string PlaybookLinked = "PlaybookLinked";
    public const string PlaybookUnlinked = "PlaybookUnlinked";
    public const string PlaybookTestAlertSent = "PlaybookTestAlertSent";
    public const string DeliveryReplayed = "DeliveryReplayed";
    public const string TestEmailSent = "TestEmailSent";
}
