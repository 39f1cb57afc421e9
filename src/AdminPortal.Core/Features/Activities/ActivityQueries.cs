using System.Linq.Expressions;
using AdminPortal.Core.Data;
using AdminPortal.Core.Filters;
using Microsoft.EntityFrameworkCore;

namespace AdminPortal.Core.Features.Activities;

public sealed record ActivityPage(IReadOnlyList<Activity> Items, bool HasNext, int Total, bool MoreThanTotal);

/// <summary>The activity list of <c>POST /activities/</c>: MCAS field names where MCAS has them, the ingest names as aliases.</summary>
public static class ActivityQueries
{
    public const string Id = "id";
    public const string Entity = "entity";
    public const string User = "user.username";
    public const string App = "service";
    public const string ActivityType = "activity.actionType";
    public const string Ip = "ip.address";
    public const string Country = "location.country";
    public const string Device = "device.type";
    public const string ObjectName = "object.name";
    public const string TargetUser = "targetUser";
    public const string Date = "date";
    public const string SortByDate = "date";

    private static readonly FilterOperator[] StringOps = FilterOperators.Text;

    public static readonly FilterSchema Schema = new("activities",
    [
        new(Id, FilterValueKind.String, FilterOperators.Equality),
        new(Entity, FilterValueKind.Entity, FilterOperators.Equality),
        new(User, FilterValueKind.String, StringOps),
        new(App, FilterValueKind.String, StringOps),
        new(ActivityType, FilterValueKind.String, StringOps),
        new(Ip, FilterValueKind.String, StringOps),
        new(Country, FilterValueKind.String, FilterOperators.Equality),
        new(Device, FilterValueKind.String, StringOps),
        new(ObjectName, FilterValueKind.String, StringOps),
        new(TargetUser, FilterValueKind.String, StringOps),
        new(Date, FilterValueKind.Date, FilterOperators.Dates),
    ], new Dictionary<string, string>
    {
        ["_id"] = Id, ["user"] = User, ["app"] = App, ["activityType"] = ActivityType, ["activity.eventType"] = ActivityType,
        ["ipAddress"] = Ip, ["country"] = Country, ["device"] = Device, ["objectName"] = ObjectName,
    }, [SortByDate], SortByDate);

    public static IQueryable<Activity> Apply(IQueryable<Activity> query, IEnumerable<FilterClause> filters, DateTimeOffset now)
    {
        foreach (var clause in filters)
            query = query.Where(Predicate(clause, now));
        return query;
    }

    private static Expression<Func<Activity, bool>> Predicate(FilterClause clause, DateTimeOffset now)
    {
        switch (clause.Field)
        {
            case Id:
                var ids = clause.Strings.Select(s => Guid.TryParse(s, out var g) ? g : Guid.Empty).ToList();
                return clause.Operator == FilterOperator.Neq ? a => !ids.Contains(a.Id) : a => ids.Contains(a.Id);
            case Entity:
                var entities = clause.Strings.Select(s => s.Trim().ToLowerInvariant()).ToList();
                Expression<Func<Activity, bool>> about = a => entities.Contains(a.User) || (a.TargetUser != null && entities.Contains(a.TargetUser))
                                                             || (a.ObjectId != null && entities.Contains(a.ObjectId));
                return clause.Operator == FilterOperator.Neq ? Predicates.Not(about) : about;
            case Date when clause.Operator == FilterOperator.Range:
                return Predicates.Or(clause.Values.Cast<FilterRange>().Select(r => Between(r.Start, r.End)));
            case Date:
                var at = clause.Operator switch
                {
                    FilterOperator.GteNdays or FilterOperator.LteNdays => now.AddDays(-(long)clause.Single),
                    _ => (DateTimeOffset)clause.Single,
                };
                return clause.Operator switch
                {
                    FilterOperator.Gt => a => a.Timestamp > at,
                    FilterOperator.Gte or FilterOperator.GteNdays => a => a.Timestamp >= at,
                    FilterOperator.Lt => a => a.Timestamp < at,
                    _ => a => a.Timestamp <= at,
                };
            default:
                return TextPredicate(clause);
        }

        static Expression<Func<Activity, bool>> Between(DateTimeOffset from, DateTimeOffset to) => a => a.Timestamp >= from && a.Timestamp <= to;
    }

    /// <summary>String fields compare case-insensitively, as policies do.</summary>
    private static Expression<Func<Activity, bool>> TextPredicate(FilterClause clause)
    {
        Expression<Func<Activity, string?>> field = clause.Field switch
        {
            User => a => a.User,
            App => a => a.App,
            ActivityType => a => a.ActivityType,
            Ip => a => a.IpAddress,
            Country => a => a.Country,
            Device => a => a.Device,
            ObjectName => a => a.ObjectName,
            TargetUser => a => a.TargetUser,
            _ => throw new ArgumentException($"Unknown activity filter field '{clause.Field}'.", nameof(clause)),
        };
        var values = clause.Strings.Select(v => v.Trim().ToLowerInvariant()).ToList();
        var parameter = field.Parameters[0];
        var lower = Expression.Call(Expression.Coalesce(field.Body, Expression.Constant("")), typeof(string).GetMethod(nameof(string.ToLower), Type.EmptyTypes)!);

        Expression Any(string method) => values
            .Select(v => (Expression)Expression.Call(lower, typeof(string).GetMethod(method, [typeof(string)])!, Expression.Constant(v)))
            .Aggregate(Expression.OrElse);

        Expression body = clause.Operator switch
        {
            FilterOperator.Eq => Expression.Call(Expression.Constant(values), typeof(List<string>).GetMethod(nameof(List<string>.Contains))!, lower),
            FilterOperator.Neq => Expression.Not(Expression.Call(Expression.Constant(values), typeof(List<string>).GetMethod(nameof(List<string>.Contains))!, lower)),
            FilterOperator.Contains => Any(nameof(string.Contains)),
            FilterOperator.NContains => Expression.Not(Any(nameof(string.Contains))),
            FilterOperator.StartsWith or FilterOperator.StartsWithSingle => Any(nameof(string.StartsWith)),
            FilterOperator.DoesNotStartWith => Expression.Not(Any(nameof(string.StartsWith))),
            FilterOperator.EndsWith => Any(nameof(string.EndsWith)),
            _ => throw new ArgumentException($"Operator {clause.Operator} on {clause.Field}.", nameof(clause)),
        };
        return Expression.Lambda<Func<Activity, bool>>(body, parameter);
    }
}

public sealed class ActivityService(IDbContextFactory<PortalDbContext> contexts, TimeProvider time)
{
    public async Task<ActivityPage> ListAsync(ListRequest request, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var filtered = ActivityQueries.Apply(db.Activities.AsNoTracking(), request.Filters, time.GetUtcNow());
        var sorted = request.Sort.Descending
            ? filtered.OrderByDescending(a => a.Timestamp).ThenByDescending(a => a.Id)
            : filtered.OrderBy(a => a.Timestamp).ThenBy(a => a.Id);
        var page = await sorted.Skip(request.Skip).Take(request.Limit + 1).ToListAsync(cancellationToken);
        var hasNext = page.Count > request.Limit;
        if (hasNext)
            page.RemoveAt(page.Count - 1);
        var counted = !hasNext && (page.Count > 0 || request.Skip == 0)
            ? request.Skip + page.Count
            : await filtered.Take(Alerts.AlertQueries.CountCap + 1).CountAsync(cancellationToken);
        return new ActivityPage(page, hasNext, Math.Min(counted, Alerts.AlertQueries.CountCap), counted > Alerts.AlertQueries.CountCap);
    }
}
