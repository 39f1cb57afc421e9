using System.Linq.Expressions;
using AdminPortal.Core.Features.Playbooks;

namespace AdminPortal.Core.Features.Dispatch;

/// <summary>A playbook's target as stored (encrypted): the dispatcher's decrypted copy is kept while these are unchanged.</summary>
public sealed record PlaybookKeys(
    Guid Id, string Url, string Secret, string? PreviousSecret, DateTimeOffset? PreviousExpiresAt, string? HeaderName, string? Header)
{
    /// <summary>The projection for queries: no other column is read.</summary>
    public static readonly Expression<Func<Playbook, PlaybookKeys>> Of = p => new PlaybookKeys(p.Id, p.CallbackUrlEncrypted, p.SigningSecretEncrypted,
        p.PreviousSigningSecretEncrypted, p.PreviousSecretExpiresAt, p.HeaderName, p.HeaderValueEncrypted);
}

/// <summary>
/// Deliveries an ingest batch leased to this instance's dispatcher in its own transaction (see
/// <see cref="DispatcherService.Lease"/>): handed over in memory once the transaction commits, so they are sent at
/// once, without a query or a claim. Should the process die first, nothing is lost: their lease expires and any
/// instance claims them.
/// </summary>
public sealed class DeliveryHandoff
{
    private readonly DispatchSlots _slots;
    private readonly List<Claimed> _leased;
    private readonly IReadOnlyCollection<Guid> _leftPending;

    internal DeliveryHandoff(DispatchSlots slots, List<Claimed> leased, IReadOnlyCollection<Guid> leftPending) =>
        (_slots, _leased, _leftPending) = (slots, leased, leftPending);

    /// <summary>
    /// The transaction committed: send the leased deliveries. Those written as pending (their playbook had no room)
    /// are claimed when it has: see <see cref="DispatchSlots"/>.
    /// </summary>
    public void Committed() => _slots.AddReserved(_leased, _leftPending);

    /// <summary>The transaction failed: nothing was written.</summary>
    public void Abandoned() => _slots.Unreserve(_leased);
}
