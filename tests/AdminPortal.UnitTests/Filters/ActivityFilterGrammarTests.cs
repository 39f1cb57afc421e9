using AdminPortal.Core.Features.Activities;
using AdminPortal.Core.Filters;
using static AdminPortal.UnitTests.Filters.FilterJson;

namespace AdminPortal.UnitTests.Filters;

/// <summary>The activity filters of <c>POST /activities/</c>: MCAS names, and the ingest names as aliases.</summary>
public sealed class ActivityFilterGrammarTests
{
    private static readonly FilterSchema Schema = ActivityQueries.Schema;

    private static readonly string[] AllOperators =
    [
        "eq", "neq", "gt", "gte", "lt", "lte", "gte_ndays", "lte_ndays", "isset", "isnotset", "range",
        "contains", "ncontains", "startswith", "doesnotstartwith", "endswith", "startswithsingle", "text",
    ];

    private static readonly string[] StringOperators = ["eq", "neq", "contains", "ncontains", "startswith", "doesnotstartwith", "endswith", "startswithsingle"];

    private static readonly Dictionary<string, string[]> OperatorsByField = new()
    {
        ["id"] = ["eq", "neq"],
        ["entity"] = ["eq", "neq"],
        ["user.username"] = StringOperators,
        ["service"] = StringOperators,
        ["activity.actionType"] = StringOperators,
        ["ip.address"] = StringOperators,
        ["location.country"] = ["eq", "neq"],
        ["device.type"] = StringOperators,
        ["object.name"] = StringOperators,
        ["targetUser"] = StringOperators,
        ["date"] = ["gt", "gte", "lt", "lte", "gte_ndays", "lte_ndays", "range"],
    };

    public static TheoryData<string, string> AcceptedCombinations()
    {
        var data = new TheoryData<string, string>();
        foreach (var (field, operators) in OperatorsByField)
            foreach (var op in operators)
                data.Add(field, op);
        return data;
    }

    public static TheoryData<string, string> RefusedCombinations()
    {
        var data = new TheoryData<string, string>();
        foreach (var (field, operators) in OperatorsByField)
            foreach (var op in AllOperators.Except(operators))
                data.Add(field, op);
        return data;
    }

    private static string ValidValue(string op) => op switch
    {
        "gt" or "gte" or "lt" or "lte" => "1767225600000",
        "gte_ndays" or "lte_ndays" => "7",
        "isset" or "isnotset" => "true",
        "range" => """[{"start": 1767225600000, "end": 1767312000000}]""",
        "text" or "startswithsingle" => "\"abc\"",
        _ => """["abc"]""",
    };

    [Theory]
    [MemberData(nameof(AcceptedCombinations))]
    public void EachActivityField_AcceptsItsOperators(string field, string op)
    {
        var clause = Assert.Single(Clauses(Schema, $$$"""{"{{{field}}}": {"{{{op}}}": {{{ValidValue(op)}}}}}"""));

        Assert.Equal(field, clause.Field);
        Assert.Equal(op, clause.Operator.WireName());
    }

    [Theory]
    [MemberData(nameof(RefusedCombinations))]
    public void EachActivityField_RefusesOtherOperators_NamingFieldAndOperator(string field, string op)
    {
        var (key, message) = SingleError(ParseFilters(Schema, $$$"""{"{{{field}}}": {"{{{op}}}": {{{ValidValue(op)}}}}}"""));

        Assert.Equal($"filters.{field}.{op}", key);
        Assert.Contains($"'{field}'", message);
        Assert.Contains($"'{op}'", message);
    }

    [Fact]
    public void TheSchema_HasExactlyTheseFields() =>
        Assert.Equal(OperatorsByField.Keys.Order(), Schema.FieldNames.Order());

    [Theory]
    [InlineData("_id", "id")]
    [InlineData("user", "user.username")]
    [InlineData("app", "service")]
    [InlineData("activityType", "activity.actionType")]
    [InlineData("activity.eventType", "activity.actionType")]
    [InlineData("ipAddress", "ip.address")]
    [InlineData("country", "location.country")]
    [InlineData("device", "device.type")]
    [InlineData("objectName", "object.name")]
    public void Aliases_ParseAsTheirCanonicalField(string alias, string canonical)
    {
        var clause = Assert.Single(Clauses(Schema, $$$"""{"{{{alias}}}": {"eq": ["x"]}}"""));

        Assert.Equal(canonical, clause.Field);
    }

    [Fact]
    public void AnAlias_RefusesTheOperatorsOfItsField_NamingTheAliasSent()
    {
        var (key, message) = SingleError(ParseFilters(Schema, """{"country": {"contains": ["N"]}}"""));

        Assert.Equal("filters.country.contains", key);
        Assert.Contains("'country'", message);
        Assert.Contains("'contains'", message);
    }

    [Fact]
    public void TheConnectorsGetActivitiesEntityFilter_Parses()
    {
        var result = Parse(Schema,
            """{"filters": {"entity": {"eq": [{"id": "ada@contoso.com", "saas": 11161, "inst": 0}]}}, "skip": 0, "limit": 50, "sortField": "date", "sortDirection": "desc"}""");

        Assert.True(result.Succeeded, Describe(result.Errors));
        var clause = Assert.Single(result.Request!.Filters);
        Assert.Equal(("entity", FilterOperator.Eq), (clause.Field, clause.Operator));
        Assert.Equal(["ada@contoso.com"], clause.Values);
    }

    [Fact]
    public void ListOperators_TakeAScalarAsAOneItemList() =>
        Assert.Equal(["report"], Assert.Single(Clauses(Schema, """{"objectName": {"contains": "report"}}""")).Values);

    [Fact]
    public void StringFilters_TakeNumbersAsText() =>
        Assert.Equal(["42"], Assert.Single(Clauses(Schema, """{"objectName": {"startswith": [42]}}""")).Values);

    [Theory]
    [InlineData("contains", "[true]")]
    [InlineData("endswith", "[{\"id\": \"x\"}]")]
    [InlineData("ncontains", "[null]")]
    [InlineData("doesnotstartwith", "[]")]
    public void StringFilters_WithANonStringValue_AreRefused(string op, string value) =>
        Assert.Equal($"filters.objectName.{op}", SingleError(ParseFilters(Schema, $$$"""{"objectName": {"{{{op}}}": {{{value}}}}}""")).Key);

    [Fact]
    public void StartsWithSingle_TakesOneString()
    {
        Assert.Equal("Q3", Assert.Single(Clauses(Schema, """{"objectName": {"startswithsingle": "Q3"}}""")).Single);
        Assert.Equal("filters.objectName.startswithsingle", SingleError(ParseFilters(Schema, """{"objectName": {"startswithsingle": ["Q3", "Q4"]}}""")).Key);
    }

    [Fact]
    public void AnUnknownField_IsRefused_ListingTheActivityFields()
    {
        var (key, message) = SingleError(ParseFilters(Schema, """{"severity": {"eq": [1]}}"""));

        Assert.Equal("filters.severity", key);
        Assert.Contains("activities", message);
        foreach (var field in OperatorsByField.Keys)
            Assert.Contains(field, message);
    }
}
