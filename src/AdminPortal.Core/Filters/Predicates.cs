using System.Linq.Expressions;

namespace AdminPortal.Core.Filters;

/// <summary>Combines predicates into one expression EF Core can translate.</summary>
public static class Predicates
{
    public static Expression<Func<T, bool>> Or<T>(IEnumerable<Expression<Func<T, bool>>> predicates)
    {
        var list = predicates.ToList();
        if (list.Count == 0)
            return _ => false;
        var parameter = list[0].Parameters[0];
        var body = list[0].Body;
        foreach (var next in list.Skip(1))
            body = Expression.OrElse(body, new Rebind(next.Parameters[0], parameter).Visit(next.Body));
        return Expression.Lambda<Func<T, bool>>(body, parameter);
    }

    public static Expression<Func<T, bool>> Not<T>(Expression<Func<T, bool>> predicate) =>
        Expression.Lambda<Func<T, bool>>(Expression.Not(predicate.Body), predicate.Parameters);

    private sealed class Rebind(ParameterExpression from, ParameterExpression to) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : base.VisitParameter(node);
    }
}
