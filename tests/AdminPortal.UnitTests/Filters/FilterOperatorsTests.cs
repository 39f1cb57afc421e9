using AdminPortal.Core.Filters;

namespace AdminPortal.UnitTests.Filters;

public sealed class FilterOperatorsTests
{
    public static TheoryData<string, FilterOperator> WireNames => new()
    {
        { "eq", FilterOperator.Eq },
        { "neq", FilterOperator.Neq },
        { "gt", FilterOperator.Gt },
        { "gte", FilterOperator.Gte },
        { "lt", FilterOperator.Lt },
        { "lte", FilterOperator.Lte },
        { "gte_ndays", FilterOperator.GteNdays },
        { "lte_ndays", FilterOperator.LteNdays },
        { "isset", FilterOperator.IsSet },
        { "isnotset", FilterOperator.IsNotSet },
        { "range", FilterOperator.Range },
        { "contains", FilterOperator.Contains },
        { "ncontains", FilterOperator.NContains },
        { "startswith", FilterOperator.StartsWith },
        { "doesnotstartwith", FilterOperator.DoesNotStartWith },
        { "endswith", FilterOperator.EndsWith },
        { "startswithsingle", FilterOperator.StartsWithSingle },
        { "text", FilterOperator.Text },
    };

    [Theory]
    [MemberData(nameof(WireNames))]
    public void TryParse_EveryMcasWireName_GivesItsOperator(string wireName, FilterOperator expected)
    {
        Assert.True(FilterOperators.TryParse(wireName, out var op));
        Assert.Equal(expected, op);
    }

    [Theory]
    [MemberData(nameof(WireNames))]
    public void WireName_OfEveryOperator_IsTheMcasName(string expected, FilterOperator op) =>
        Assert.Equal(expected, op.WireName());

    [Fact]
    public void EveryOperator_HasAWireName() =>
        Assert.Equal(WireNames.Count, Enum.GetValues<FilterOperator>().Select(op => op.WireName()).Distinct().Count());

    [Theory]
    [InlineData("")]
    [InlineData("equals")]
    [InlineData("like")]
    [InlineData("in")]
    [InlineData("gte_days")]
    [InlineData(" eq")]
    public void TryParse_AnUnknownName_IsRefused(string name) =>
        Assert.False(FilterOperators.TryParse(name, out _));
}
