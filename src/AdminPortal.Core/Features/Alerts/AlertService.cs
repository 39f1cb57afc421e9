using AdminPortal.Core.Data;
using AdminPortal.Core.Features.Activities;
using AdminPortal.Core.Features.Audit;
using AdminPortal.Core.Features.Policies;
using AdminPortal.Core.Filters;
using Microsoft.EntityFrameworkCore;

namespace AdminPortal.Core.Features.Alerts;

/// <summary>One page of alerts with their entities and the name of their policy.</summary>
public sealed record AlertPage(IReadOnlyList<AlertListItem> Items, bool HasNext, int Total, bool MoreThanTotal);

public sealed record AlertListItem(Alert Alert, string PolicyName, PolicyType PolicyType);

/// <summary>An alert with what its detail page shows.</summary>
public sealed record AlertDetail(Alert Alert, string PolicyName, bool PolicyDeleted, IReadOnlyList<Activity> EvidenceActivities);

/// <summary>How an alert is closed: the MCAS close calls and the portal's close dialog.</summary>
public enum AlertClosing { Benign, FalsePositive, TruePositive }

public sealed record CloseAlertsResult(int Closed, IReadOnlyList<string> AlertsNotFound);

public sealed class AlertService(IDbContextFactory<PortalDbContext> contexts, TimeProvider time)
{
    /// <summary>Reason ids the MCAS API accepts for each way of closing (mcas-api.md §4).</summary>
    public static readonly IReadOnlyDictionary<AlertClosing, IReadOnlyDictionary<int, string>> Reasons = new Dictionary<AlertClosing, IReadOnlyDictionary<int, string>>
    {
        [AlertClosing.Benign] = new Dictionary<int, string>
        {
            [2] = "Actual severity is lower", [4] = "Other", [5] = "Confirmed with end user", [6] = "Triggered by test",
        },
        [AlertClosing.FalsePositive] = new Dictionary<int, string>
        {
            [0] = "Not of interest", [1] = "Too many similar alerts", [3] = "Alert is not accurate", [4] = "Other",
        },
        [AlertClosing.TruePositive] = new Dictionary<int, string>(),
    };

    public const int MaxCommentLength = 2000;
    /// <summary>Most alerts one close call changes; a filter matching more is refused, not half-applied.</summary>
    public const int MaxAlertsPerClose = 10_000;

    public static ResolutionStatus StatusOf(AlertClosing closing) => closing switch
    {
        AlertClosing.Benign => ResolutionStatus.Benign,
        AlertClosing.FalsePositive => ResolutionStatus.FalsePositive,
        _ => ResolutionStatus.TruePositive,
    };

    public async Task<AlertPage> ListAsync(ListRequest request, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var filtered = AlertQueries.Apply(db, db.Alerts.AsNoTracking(), request.Filters, time.GetUtcNow());
        var page = await AlertQueries.Sort(filtered, request.Sort).Skip(request.Skip).Take(request.Limit + 1).ToListAsync(cancellationToken);
        var hasNext = page.Count > request.Limit;
        if (hasNext)
            page.RemoveAt(page.Count - 1);

        // Counting stops at the cap: an exact count of a million rows costs more than the page itself.
        // On the last page the count is known without asking.
        var counted = !hasNext && (page.Count > 0 || request.Skip == 0)
            ? request.Skip + page.Count
            : await filtered.Take(AlertQueries.CountCap + 1).CountAsync(cancellationToken);
        var total = Math.Min(counted, AlertQueries.CountCap);

        var items = await WithDetailsAsync(db, page, cancellationToken);
        return new AlertPage(items, hasNext, total, counted > AlertQueries.CountCap);
    }

    /// <summary>Counts matching alerts, up to <see cref="AlertQueries.CountCap"/> + 1.</summary>
    public async Task<int> CountAsync(IReadOnlyList<FilterClause> filters, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await AlertQueries.Apply(db, db.Alerts.AsNoTracking(), filters, time.GetUtcNow()).Take(AlertQueries.CountCap + 1).CountAsync(cancellationToken);
    }

    public async Task<AlertListItem?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var alert = await db.Alerts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == id, cancellationToken);
        return alert is null ? null : (await WithDetailsAsync(db, [alert], cancellationToken))[0];
    }

    public async Task<AlertDetail?> GetDetailAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var alert = await db.Alerts.AsNoTracking().Include(a => a.Entities).Include(a => a.History.OrderBy(h => h.At).ThenBy(h => h.Id))
            .AsSplitQuery().SingleOrDefaultAsync(a => a.Id == id, cancellationToken);
        if (alert is null)
            return null;
        var policy = await db.Policies.AsNoTracking().Where(p => p.Id == alert.PolicyId)
            .Select(p => new { p.Name, p.DeletedAt }).SingleAsync(cancellationToken);
        var evidenceIds = alert.Evidence.Select(e => Guid.TryParse(e, out var g) ? g : Guid.Empty).Where(g => g != Guid.Empty).ToList();
        var activities = await db.Activities.AsNoTracking().Where(a => evidenceIds.Contains(a.Id)).OrderBy(a => a.Timestamp).ToListAsync(cancellationToken);
        return new AlertDetail(alert, policy.Name, policy.DeletedAt is not null, activities);
    }

    /// <summary>
    /// Closes the alerts the filters match (all in one transaction) and reports ids named in an <c>id</c>
    /// filter that do not exist. Alerts already closed the same way are left as they are and not counted.
    /// </summary>
    public async Task<CloseAlertsResult> CloseAsync(IReadOnlyList<FilterClause> filters, AlertClosing closing, int? reasonId, string? comment,
        string actor, CancellationToken cancellationToken = default)
    {
        if (filters.Count == 0)
            throw new ArgumentException("Closing needs at least one filter; closing every alert is never what a caller means.", nameof(filters));
        if (reasonId is { } reason && !Reasons[closing].ContainsKey(reason))
            throw new ArgumentOutOfRangeException(nameof(reasonId), reasonId, $"reasonId {reasonId} is not valid for {closing}.");
        comment = string.IsNullOrWhiteSpace(comment) ? null : comment.Trim();
        if (comment?.Length > MaxCommentLength)
            throw new ArgumentOutOfRangeException(nameof(comment), $"The comment can have at most {MaxCommentLength} characters.");

        var now = time.GetUtcNow();
        var status = StatusOf(closing);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var matched = AlertQueries.Apply(db, db.Alerts, filters, now);
        var ids = await matched.Where(a => a.ResolutionStatus != status).Select(a => a.Id).Take(MaxAlertsPerClose + 1).ToListAsync(cancellationToken);
        if (ids.Count > MaxAlertsPerClose)
            throw new ArgumentOutOfRangeException(nameof(filters), $"The filters match more than {MaxAlertsPerClose:N0} alerts; narrow them and close in parts.");

        var notFound = await NotFoundAsync(db, filters, cancellationToken);
        if (ids.Count > 0)
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            foreach (var chunk in ids.Chunk(500))
            {
                await db.Alerts.Where(a => chunk.Contains(a.Id)).ExecuteUpdateAsync(set => set
                    .SetProperty(a => a.ResolutionStatus, status)
                    .SetProperty(a => a.ResolutionReasonId, reasonId)
                    .SetProperty(a => a.ResolutionComment, comment)
                    .SetProperty(a => a.HandledBy, actor)
                    .SetProperty(a => a.ClosedAt, now), cancellationToken);
                db.AlertEvents.AddRange(chunk.Select(id => new AlertEvent
                {
                    AlertId = id, At = now, Actor = actor, Kind = AlertEventKind.Closed, Resolution = status, ReasonId = reasonId, Comment = comment,
                }));
            }
            var shown = string.Join(",", ids.Take(20)) + (ids.Count > 20 ? $",… ({ids.Count - 20} more)" : "");
            new AuditLog(db, time).Add(actor, AuditActions.AlertClosed, "Alert", ids.Count == 1 ? ids[0] : null,
                $"resolution={status}; reasonId={reasonId?.ToString() ?? "none"}; count={ids.Count}; alerts={shown}");
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        return new CloseAlertsResult(ids.Count, notFound);
    }

    /// <summary>Marks read or unread; false when there is no such alert.</summary>
    public async Task<bool> SetReadAsync(string id, bool read, string actor, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var status = read ? AlertReadStatus.Read : AlertReadStatus.Unread;
        var current = await db.Alerts.Where(a => a.Id == id).Select(a => (AlertReadStatus?)a.ReadStatus).SingleOrDefaultAsync(cancellationToken);
        if (current is null)
            return false;
        if (current == status)
            return true;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Alerts.Where(a => a.Id == id).ExecuteUpdateAsync(set => set.SetProperty(a => a.ReadStatus, status), cancellationToken);
        db.AlertEvents.Add(new AlertEvent { AlertId = id, At = time.GetUtcNow(), Actor = actor, Kind = read ? AlertEventKind.MarkedRead : AlertEventKind.MarkedUnread });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>The newest alert's time: open pages poll it to see other instances' alerts.</summary>
    public async Task<DateTimeOffset?> LatestAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Alerts.OrderByDescending(a => a.CreatedAt).Select(a => (DateTimeOffset?)a.CreatedAt).FirstOrDefaultAsync(cancellationToken);
    }

    private static async Task<IReadOnlyList<string>> NotFoundAsync(PortalDbContext db, IReadOnlyList<FilterClause> filters, CancellationToken cancellationToken)
    {
        var named = filters.Where(f => f.Field == AlertQueries.Id && f.Operator == FilterOperator.Eq)
            .SelectMany(f => f.Strings).Select(s => s.Trim()).Distinct().ToList();
        if (named.Count == 0)
            return [];
        var lower = named.Select(s => s.ToLowerInvariant()).ToList();
        var existing = (await db.Alerts.Where(a => lower.Contains(a.Id)).Select(a => a.Id).ToListAsync(cancellationToken)).ToHashSet();
        return named.Where(id => !existing.Contains(id.ToLowerInvariant())).ToList();
    }

    private static async Task<IReadOnlyList<AlertListItem>> WithDetailsAsync(PortalDbContext db, List<Alert> alerts, CancellationToken cancellationToken)
    {
        if (alerts.Count == 0)
            return [];
        var ids = alerts.Select(a => a.Id).ToList();
        var entities = (await db.AlertEntities.AsNoTracking().Where(e => ids.Contains(e.AlertId)).OrderBy(e => e.Id).ToListAsync(cancellationToken))
            .ToLookup(e => e.AlertId);
        var policyIds = alerts.Select(a => a.PolicyId).Distinct().ToList();
        var policies = await db.Policies.AsNoTracking().Where(p => policyIds.Contains(p.Id))
            .Select(p => new { p.Id, p.Name, p.Type }).ToDictionaryAsync(p => p.Id, cancellationToken);
        return alerts.Select(a =>
        {
            a.Entities = entities[a.Id].ToList();
            var policy = policies.GetValueOrDefault(a.PolicyId);
            return new AlertListItem(a, policy?.Name ?? a.PolicyId, policy?.Type ?? PolicyType.Activity);
        }).ToList();
    }
}
