using AdminPortal.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace AdminPortal.Core.Features.Audit;

/// <summary>What the audit log is narrowed to. Every part is optional; the parts that are set must all match.</summary>
public sealed record AuditFilter
{
    /// <summary>Entries with any of these actions; empty for every action.</summary>
    public IReadOnlyCollection<string> Actions { get; init; } = [];
    /// <summary>Part of the actor (a UPN, "system" or "anonymous"), in any case.</summary>
    public string? Actor { get; init; }
    /// <summary>Part of the details, the target type or the target id, in any case.</summary>
    public string? Text { get; init; }
    /// <summary>Entries at or after this instant.</summary>
    public DateTimeOffset? From { get; init; }
    /// <summary>Entries before this instant (exclusive: a day's range ends at the next midnight).</summary>
    public DateTimeOffset? Before { get; init; }
}

/// <summary>One page of entries, newest first, and how many entries match in all (up to <see cref="AuditService.CountCap"/>).</summary>
public sealed record AuditPage(IReadOnlyList<AuditEntry> Items, int Total, bool MoreThanTotal);

/// <summary>Reads the audit log for the admins' audit page. Entries are written by <see cref="AuditLog"/> and <see cref="AuditTrail"/>.</summary>
public sealed class AuditService(IDbContextFactory<PortalDbContext> contexts)
{
    public const int MaxPageSize = 200;
    /// <summary>Counting stops here: an exact count of millions of rows costs more than the page itself.</summary>
    public const int CountCap = 10_000;

    public async Task<AuditPage> ListAsync(AuditFilter filter, int skip, int take, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(skip);
        ArgumentOutOfRangeException.ThrowIfLessThan(take, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(take, MaxPageSize);

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var filtered = Apply(db.AuditEntries.AsNoTracking(), filter);
        // Id breaks ties between entries written in the same instant (one save can write several).
        var page = await filtered.OrderByDescending(e => e.At).ThenByDescending(e => e.Id)
            .Skip(skip).Take(take + 1).ToListAsync(cancellationToken);
        var hasNext = page.Count > take;
        if (hasNext)
            page.RemoveAt(page.Count - 1);

        // On the last page the count is known without asking.
        var counted = !hasNext && (page.Count > 0 || skip == 0)
            ? skip + page.Count
            : await filtered.Take(CountCap + 1).CountAsync(cancellationToken);
        return new AuditPage(page, Math.Min(counted, CountCap), counted > CountCap);
    }

    private static IQueryable<AuditEntry> Apply(IQueryable<AuditEntry> query, AuditFilter filter)
    {
        if (filter.Actions.Count > 0)
        {
            var actions = filter.Actions.Distinct().ToList();
            query = query.Where(e => actions.Contains(e.Action));
        }
        if (!string.IsNullOrWhiteSpace(filter.Actor))
        {
            var actor = filter.Actor.Trim().ToLowerInvariant();
            query = query.Where(e => e.Actor.ToLower().Contains(actor));
        }
        if (!string.IsNullOrWhiteSpace(filter.Text))
        {
            var text = filter.Text.Trim().ToLowerInvariant();
            query = query.Where(e => (e.Details != null && e.Details.ToLower().Contains(text))
                                     || (e.TargetId != null && e.TargetId.ToLower().Contains(text))
                                     || (e.TargetType != null && e.TargetType.ToLower().Contains(text)));
        }
        if (filter.From is { } from)
            query = query.Where(e => e.At >= from);
        if (filter.Before is { } before)
            query = query.Where(e => e.At < before);
        return query;
    }
}
