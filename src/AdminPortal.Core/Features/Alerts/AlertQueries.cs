using System.Linq.Expressions;
using AdminPortal.Core.Data;
using AdminPortal.Core.Features.Policies;
using AdminPortal.Core.Filters;
using Microsoft.EntityFrameworkCore;

namespace AdminPortal.Core.Features.Alerts;

/// <summary>The alert filter fields of reference mcas-api.md §2, and their translation to SQL.</summary>
public static class AlertQueries
{
    public const string Id = "id";
    public const string Entity = "entity.entity";
    public const string User = "entity.user";
    public const string Ip = "entity.ip";
    public const string Service = "entity.service";
    public const string PolicyField = "entity.policy";
    public const string File = "entity.file";
    public const string AlertOpen = "alertOpen";
    public const string Severity = "severity";
    public const string ResolutionStatusField = "resolutionStatus";
    public const string Read = "read";
    public const string Date = "date";
    public const string ResolutionDate = "resolutionDate";
    public const string AlertType = "alertType";
    public const string Source = "source";
    /// <summary>Free text over title, description and main entity (the portal's search box).</summary>
    public const string Text = "text";

    public const string SortByDate = "date";
    public const string SortBySeverity = "severity";

    public static readonly FilterSchema Schema = new("alerts",
    [
        new(Id, FilterValueKind.String, FilterOperators.Equality),
        new(Entity, FilterValueKind.Entity, FilterOperators.Equality),
        new(User, FilterValueKind.Entity, FilterOperators.Equality),
        new(Ip, FilterValueKind.Entity, FilterOperators.Equality),
        new(Service, FilterValueKind.Entity, FilterOperators.Equality),
        new(PolicyField, FilterValueKind.Entity, FilterOperators.Equality),
        new(File, FilterValueKind.Entity, FilterOperators.Equality),
        new(AlertOpen, FilterValueKind.Boolean, [FilterOperator.Eq]),
        new(Severity, FilterValueKind.Integer, FilterOperators.Equality, 0, 3),
        new(ResolutionStatusField, FilterValueKind.Integer, FilterOperators.Equality, 0, 5),
        new(Read, FilterValueKind.Boolean, [FilterOperator.Eq]),
        new(Date, FilterValueKind.Date, FilterOperators.Dates),
        new(ResolutionDate, FilterValueKind.Date, [.. FilterOperators.Dates, FilterOperator.IsSet, FilterOperator.IsNotSet]),
        new(AlertType, FilterValueKind.Integer, FilterOperators.Equality, 0, Enum.GetValues<PolicyType>().Length - 1),
        new(Source, FilterValueKind.String, FilterOperators.Equality),
        new(Text, FilterValueKind.String, [FilterOperator.Text]),
    ], new Dictionary<string, string> { ["ID"] = Id, ["_id"] = Id }, [SortByDate, SortBySeverity], SortByDate);

    /// <summary>Every alert is raised by a policy; MCAS scripts filter on that source.</summary>
    public const string PolicySource = "policy";

    /// <summary>Upper bound of <c>total</c>: counting further is slow on a million rows and tells a caller nothing new.</summary>
    public const int CountCap = 10_000;

    public static IQueryable<Alert> Apply(PortalDbContext db, IQueryable<Alert> query, IEnumerable<FilterClause> filters, DateTimeOffset now)
    {
        foreach (var clause in filters)
            query = query.Where(Predicate(db, clause, now));
        return query;
    }

    public static IQueryable<Alert> Sort(IQueryable<Alert> query, SortOrder sort) => (sort.Field, sort.Descending) switch
    {
        (SortBySeverity, true) => query.OrderByDescending(SeverityRank).ThenByDescending(a => a.CreatedAt).ThenByDescending(a => a.Id),
        (SortBySeverity, false) => query.OrderBy(SeverityRank).ThenBy(a => a.CreatedAt).ThenBy(a => a.Id),
        (_, true) => query.OrderByDescending(a => a.CreatedAt).ThenByDescending(a => a.Id),
        (_, false) => query.OrderBy(a => a.CreatedAt).ThenBy(a => a.Id),
    };

    /// <summary>Informational &lt; Low &lt; Medium &lt; High, although MCAS numbers Informational 3.</summary>
    private static readonly Expression<Func<Alert, int>> SeverityRank = a => a.Severity == AlertSeverity.Informational ? -1 : (int)a.Severity;

    private static Expression<Func<Alert, bool>> Predicate(PortalDbContext db, FilterClause clause, DateTimeOffset now)
    {
        var negate = clause.Operator is FilterOperator.Neq;
        Expression<Func<Alert, bool>> predicate = clause.Field switch
        {
            Id => IdIn(clause.Strings.Select(s => s.Trim().ToLowerInvariant()).ToList()),
            Entity => EntityMatch(db, null, clause),
            User => EntityMatch(db, AlertEntityType.Account, clause),
            Ip => EntityMatch(db, AlertEntityType.Ip, clause),
            Service => EntityMatch(db, AlertEntityType.Service, clause),
            File => EntityMatch(db, AlertEntityType.File, clause),
            PolicyField => PolicyIn(clause.Strings.ToList()),
            AlertOpen => clause.Values.Cast<bool>().Distinct().ToList() switch
            {
                [true] => a => a.ResolutionStatus == ResolutionStatus.Open,
                [false] => a => a.ResolutionStatus != ResolutionStatus.Open,
                _ => _ => true,
            },
            Read => clause.Values.Cast<bool>().Distinct().ToList() switch
            {
                [true] => a => a.ReadStatus == AlertReadStatus.Read,
                [false] => a => a.ReadStatus == AlertReadStatus.Unread,
                _ => _ => true,
            },
            Severity => SeverityIn(clause.Integers.Select(i => (AlertSeverity)i).ToList()),
            ResolutionStatusField => StatusIn(clause.Integers.Select(i => (ResolutionStatus)i).ToList()),
            Date => DatePredicate(clause, now, created: true),
            ResolutionDate => DatePredicate(clause, now, created: false),
            AlertType => TypeIn(db, clause.Integers.Select(i => (PolicyType)i).ToList()),
            Source => clause.Strings.Any(s => string.Equals(s, PolicySource, StringComparison.OrdinalIgnoreCase)) ? _ => true : _ => false,
            Text => TextMatch(((string)clause.Single).Trim().ToLower()),
            _ => throw new ArgumentException($"Unknown alert filter field '{clause.Field}'.", nameof(clause)),
        };
        return negate ? Predicates.Not(predicate) : predicate;
    }

    private static Expression<Func<Alert, bool>> IdIn(List<string> ids) => a => ids.Contains(a.Id);
    private static Expression<Func<Alert, bool>> PolicyIn(List<string> ids) => a => ids.Contains(a.PolicyId);
    private static Expression<Func<Alert, bool>> SeverityIn(List<AlertSeverity> values) => a => values.Contains(a.Severity);
    private static Expression<Func<Alert, bool>> StatusIn(List<ResolutionStatus> values) => a => values.Contains(a.ResolutionStatus);
    private static Expression<Func<Alert, bool>> TextMatch(string text) =>
        a => a.Title.ToLower().Contains(text) || a.Description.ToLower().Contains(text) || (a.MainEntity != null && a.MainEntity.Contains(text));

    private static Expression<Func<Alert, bool>> TypeIn(PortalDbContext db, List<PolicyType> types)
    {
        var policies = db.Policies.Where(p => types.Contains(p.Type)).Select(p => p.Id);
        return a => policies.Contains(a.PolicyId);
    }

    /// <summary>"Id IN (SELECT AlertId FROM AlertEntities WHERE Type = … AND Value …)": an index seek, not a scan of alerts.</summary>
    private static Expression<Func<Alert, bool>> EntityMatch(PortalDbContext db, AlertEntityType? type, FilterClause clause)
    {
        var entities = db.AlertEntities.AsQueryable();
        if (type is { } t)
            entities = entities.Where(e => e.Type == t);
        // Accounts are stored lower-case; MCAS scripts send UPNs as the directory spells them.
        var values = clause.Strings.Select(v => type == AlertEntityType.Account ? v.Trim().ToLowerInvariant() : v.Trim()).ToList();
        if (type is null)
            values = values.Concat(values.Select(v => v.ToLowerInvariant())).Distinct().ToList(); // any type: accounts are stored lower-case
        entities = clause.Operator switch
        {
            FilterOperator.StartsWith or FilterOperator.StartsWithSingle => entities.Where(e => e.Value.StartsWith(values[0])),
            FilterOperator.Contains => entities.Where(e => e.Value.Contains(values[0])),
            _ => entities.Where(e => values.Contains(e.Value)),
        };
        var alertIds = entities.Select(e => e.AlertId);
        return a => alertIds.Contains(a.Id);
    }

    private static Expression<Func<Alert, bool>> DatePredicate(FilterClause clause, DateTimeOffset now, bool created)
    {
        if (created)
        {
            return clause.Operator switch
            {
                FilterOperator.Gt => After((DateTimeOffset)clause.Single, inclusive: false),
                FilterOperator.Gte => After((DateTimeOffset)clause.Single, inclusive: true),
                FilterOperator.Lt => Before((DateTimeOffset)clause.Single, inclusive: false),
                FilterOperator.Lte => Before((DateTimeOffset)clause.Single, inclusive: true),
                FilterOperator.GteNdays => After(now.AddDays(-(long)clause.Single), inclusive: true),
                FilterOperator.LteNdays => Before(now.AddDays(-(long)clause.Single), inclusive: true),
                FilterOperator.Range => Predicates.Or(clause.Values.Cast<FilterRange>().Select(r => Between(r.Start, r.End))),
                _ => throw new ArgumentException($"Operator {clause.Operator} on date.", nameof(clause)),
            };

            static Expression<Func<Alert, bool>> After(DateTimeOffset at, bool inclusive) => inclusive ? a => a.CreatedAt >= at : a => a.CreatedAt > at;
            static Expression<Func<Alert, bool>> Before(DateTimeOffset at, bool inclusive) => inclusive ? a => a.CreatedAt <= at : a => a.CreatedAt < at;
            static Expression<Func<Alert, bool>> Between(DateTimeOffset from, DateTimeOffset to) => a => a.CreatedAt >= from && a.CreatedAt <= to;
        }

        return clause.Operator switch
        {
            FilterOperator.IsSet => (bool)clause.Single ? a => a.ClosedAt != null : a => a.ClosedAt == null,
            FilterOperator.IsNotSet => (bool)clause.Single ? a => a.ClosedAt == null : a => a.ClosedAt != null,
            FilterOperator.Gt => ClosedAfter((DateTimeOffset)clause.Single, inclusive: false),
            FilterOperator.Gte => ClosedAfter((DateTimeOffset)clause.Single, inclusive: true),
            FilterOperator.Lt => ClosedBefore((DateTimeOffset)clause.Single, inclusive: false),
            FilterOperator.Lte => ClosedBefore((DateTimeOffset)clause.Single, inclusive: true),
            FilterOperator.GteNdays => ClosedAfter(now.AddDays(-(long)clause.Single), inclusive: true),
            FilterOperator.LteNdays => ClosedBefore(now.AddDays(-(long)clause.Single), inclusive: true),
            FilterOperator.Range => Predicates.Or(clause.Values.Cast<FilterRange>().Select(r => ClosedBetween(r.Start, r.End))),
            _ => throw new ArgumentException($"Operator {clause.Operator} on resolutionDate.", nameof(clause)),
        };

        static Expression<Func<Alert, bool>> ClosedAfter(DateTimeOffset at, bool inclusive) => inclusive ? a => a.ClosedAt >= at : a => a.ClosedAt > at;
        static Expression<Func<Alert, bool>> ClosedBefore(DateTimeOffset at, bool inclusive) => inclusive ? a => a.ClosedAt <= at : a => a.ClosedAt < at;
        static Expression<Func<Alert, bool>> ClosedBetween(DateTimeOffset from, DateTimeOffset to) => a => a.ClosedAt >= from && a.ClosedAt <= to;
    }
}
