using System.Linq.Expressions;
using AdminPortal.Core.Filters;

namespace AdminPortal.UnitTests.Filters;

public sealed class PredicatesTests
{
    [Fact]
    public void Or_OfNothing_MatchesNothing() =>
        Assert.False(Predicates.Or(Array.Empty<Expression<Func<int, bool>>>()).Compile()(1));

    [Theory]
    [InlineData(-5, true)]
    [InlineData(5, false)]
    [InlineData(15, true)]
    public void Or_MatchesWhenAnyPredicateDoes(int value, bool expected)
    {
        Expression<Func<int, bool>> negative = a => a < 0;
        Expression<Func<int, bool>> large = b => b > 10;

        Assert.Equal(expected, Predicates.Or([negative, large]).Compile()(value));
    }

    [Fact]
    public void Or_UsesOneParameter_SoAQueryProviderCanTranslateIt()
    {
        Expression<Func<int, bool>> negative = a => a < 0;
        Expression<Func<int, bool>> large = b => b > 10;

        var combined = Predicates.Or([negative, large]);

        Assert.Single(combined.Parameters);
        Assert.Equal([-1, 11], new[] { -1, 5, 11 }.AsQueryable().Where(combined));
    }

    [Fact]
    public void Not_Inverts() =>
        Assert.Equal([5], new[] { -1, 5 }.AsQueryable().Where(Predicates.Not<int>(a => a < 0)));
}
