using AdminPortal.Core.Features.Alerts;
using AdminPortal.Core.Filters;
using static AdminPortal.UnitTests.Filters.FilterJson;

namespace AdminPortal.UnitTests.Filters;

/// <summary>The alert filters of reference mcas-api.md §2, as <c>POST /alerts/</c> and the close endpoints parse them.</summary>
public sealed class AlertFilterGrammarTests
{
    private static readonly FilterSchema Schema = AlertQueries.Schema;

    private static readonly string[] AllOperators =
    [
        "eq", "neq", "gt", "gte", "lt", "lte", "gte_ndays", "lte_ndays", "isset", "isnotset", "range",
        "contains", "ncontains", "startswith", "doesnotstartwith", "endswith", "startswithsingle", "text",
    ];

    private static readonly string[] DateOperators = ["gt", "gte", "lt", "lte", "gte_ndays", "lte_ndays", "range"];

    /// <summary>The operators each alert field takes, written out here rather than read from the schema.</summary>
    private static readonly Dictionary<string, string[]> OperatorsByField = new()
    {
        ["id"] = ["eq", "neq"],
        ["entity.entity"] = ["eq", "neq"],
        ["entity.user"] = ["eq", "neq"],
        ["entity.ip"] = ["eq", "neq"],
        ["entity.service"] = ["eq", "neq"],
        ["entity.policy"] = ["eq", "neq"],
        ["entity.file"] = ["eq", "neq"],
        ["alertOpen"] = ["eq"],
        ["severity"] = ["eq", "neq"],
        ["resolutionStatus"] = ["eq", "neq"],
        ["read"] = ["eq"],
        ["date"] = DateOperators,
        ["resolutionDate"] = [.. DateOperators, "isset", "isnotset"],
        ["alertType"] = ["eq", "neq"],
        ["source"] = ["eq", "neq"],
        ["text"] = ["text"],
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

    private static string ValidValue(string field, string op) => op switch
    {
        "eq" or "neq" => field switch
        {
            "alertOpen" or "read" => "true",
            "severity" or "resolutionStatus" or "alertType" => "[1]",
            _ => """["abc"]""",
        },
        "gt" or "gte" or "lt" or "lte" => "1767225600000",
        "gte_ndays" or "lte_ndays" => "7",
        "isset" or "isnotset" => "true",
        "range" => """[{"start": 1767225600000, "end": 1767312000000}]""",
        "text" or "startswithsingle" => "\"abc\"",
        _ => """["abc"]""",
    };

    [Theory]
    [MemberData(nameof(AcceptedCombinations))]
    public void EachAlertField_AcceptsItsOperators(string field, string op)
    {
        var clause = Assert.Single(Clauses(Schema, $$$"""{"{{{field}}}": {"{{{op}}}": {{{ValidValue(field, op)}}}}}"""));

        Assert.Equal(field, clause.Field);
        Assert.True(FilterOperators.TryParse(op, out var expected));
        Assert.Equal(expected, clause.Operator);
    }

    [Theory]
    [MemberData(nameof(RefusedCombinations))]
    public void EachAlertField_RefusesOtherOperators_NamingFieldAndOperator(string field, string op)
    {
        var (key, message) = SingleError(ParseFilters(Schema, $$$"""{"{{{field}}}": {"{{{op}}}": {{{ValidValue(field, op)}}}}}"""));

        Assert.Equal($"filters.{field}.{op}", key);
        Assert.Contains($"'{field}'", message);
        Assert.Contains($"'{op}'", message);
    }

    [Fact]
    public void EveryAlertFieldOfTheReference_IsInTheSchema() =>
        Assert.Equal(OperatorsByField.Keys.Order(), Schema.FieldNames.Order());

    [Theory]
    [InlineData("ID")]
    [InlineData("_id")]
    [InlineData("id")]
    public void IdAliases_ParseAsTheIdField(string name)
    {
        var clause = Assert.Single(Clauses(Schema, $$$"""{"{{{name}}}": {"eq": ["0123456789abcdef01234567"]}}"""));

        Assert.Equal(AlertQueries.Id, clause.Field);
        Assert.Equal(["0123456789abcdef01234567"], clause.Values);
    }

    [Fact]
    public void ConnectorCloseBody_IdEqList_ParsesEveryId()
    {
        var clause = Assert.Single(Clauses(Schema, """{"id": {"eq": ["0123456789abcdef01234567", "76543210fedcba9876543210"]}}"""));

        Assert.Equal(FilterOperator.Eq, clause.Operator);
        Assert.Equal(["0123456789abcdef01234567", "76543210fedcba9876543210"], clause.Strings);
    }

    [Fact]
    public void AScalarWhereAListIsExpected_IsAOneItemList()
    {
        var clause = Assert.Single(Clauses(Schema, """{"resolutionStatus": {"eq": 0}}"""));

        Assert.Equal(FilterOperator.Eq, clause.Operator);
        Assert.Equal([0L], clause.Values);
    }

    [Fact]
    public void AScalarId_IsAOneItemList() =>
        Assert.Equal(["0123456789abcdef01234567"], Assert.Single(Clauses(Schema, """{"id": {"neq": "0123456789abcdef01234567"}}""")).Values);

    [Fact]
    public void IntegerFields_ParseAsLongs()
    {
        var clauses = Clauses(Schema, """{"severity": {"eq": [0, 2]}, "alertType": {"neq": [1]}}""");

        Assert.Equal([0L, 2L], clauses[0].Integers);
        Assert.Equal([1L], clauses[1].Integers);
    }

    [Fact]
    public void BooleanFields_ParseAsBooleans()
    {
        var clauses = Clauses(Schema, """{"alertOpen": {"eq": true}, "read": {"eq": [false]}}""");

        Assert.Equal([true], clauses[0].Values);
        Assert.Equal([false], clauses[1].Values);
    }

    [Theory]
    [InlineData("entity.entity")]
    [InlineData("entity.user")]
    [InlineData("entity.ip")]
    [InlineData("entity.service")]
    [InlineData("entity.policy")]
    [InlineData("entity.file")]
    public void EntityFields_AcceptMcasEntityObjects_ReadingTheirId(string field)
    {
        var clause = Assert.Single(Clauses(Schema,
            $$$"""{"{{{field}}}": {"eq": [{"id": "ada@contoso.com", "saas": 11161, "inst": 0}, {"id": 42, "saas": 11161, "inst": 0}, "plain"]}}"""));

        Assert.Equal(field, clause.Field);
        Assert.Equal(["ada@contoso.com", "42", "plain"], clause.Values);
    }

    [Fact]
    public void AnEntityObjectAlone_IsAOneItemList() =>
        Assert.Equal(["ada@contoso.com"],
            Assert.Single(Clauses(Schema, """{"entity.user": {"eq": {"id": "ada@contoso.com", "saas": 11161, "inst": 0}}}""")).Values);

    [Theory]
    [InlineData("""{"saas": 11161, "inst": 0}""")]
    [InlineData("""{"id": null}""")]
    [InlineData("""{"id": true}""")]
    [InlineData("""{"id": ["ada@contoso.com"]}""")]
    [InlineData("true")]
    [InlineData("null")]
    [InlineData("[[\"nested\"]]")]
    public void AnEntityValueWithoutAnId_IsRefused(string value)
    {
        var (key, message) = SingleError(ParseFilters(Schema, $$$"""{"entity.user": {"eq": {{{value}}}}}"""));

        Assert.Equal("filters.entity.user.eq", key);
        Assert.Contains("'entity.user'", message);
        Assert.Contains("'eq'", message);
    }

    [Fact]
    public void DateComparisons_TakeEpochMilliseconds()
    {
        var clause = Assert.Single(Clauses(Schema, """{"date": {"gte": 1767225600000}}"""));

        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), clause.Single);
    }

    [Theory]
    [InlineData("\"2026-01-01T00:00:00Z\"")]
    [InlineData("\"2026-01-01T01:00:00+01:00\"")]
    [InlineData("\"2026-01-01\"")]
    [InlineData("\"2026-01-01T00:00:00\"")]
    public void DateComparisons_AcceptIsoText_AsUtc(string value)
    {
        var clause = Assert.Single(Clauses(Schema, $$$"""{"date": {"lt": {{{value}}}}}"""));

        var at = Assert.IsType<DateTimeOffset>(clause.Single);
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), at);
        Assert.Equal(TimeSpan.Zero, at.Offset);
    }

    [Fact]
    public void ADateComparison_GivenAOneItemList_TakesTheItem() =>
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1767225600000),
            Assert.Single(Clauses(Schema, """{"date": {"lte": [1767225600000]}}""")).Single);

    [Theory]
    [InlineData("[1767225600000, 1767312000000]", "single value")]
    [InlineData("[]", "single value")]
    [InlineData("\"yesterday\"", "epoch milliseconds")]
    [InlineData("-1", "epoch milliseconds")]
    [InlineData("1.5", "epoch milliseconds")]
    [InlineData("true", "epoch milliseconds")]
    [InlineData("{}", "epoch milliseconds")]
    public void ADateComparison_WithAnUnusableValue_IsRefused(string value, string expected)
    {
        var (key, message) = SingleError(ParseFilters(Schema, $$$"""{"date": {"gt": {{{value}}}}}"""));

        Assert.Equal("filters.date.gt", key);
        Assert.Contains(expected, message);
    }

    [Fact]
    public void TwoOperatorsOnOneField_AreTwoClauses()
    {
        var clauses = Clauses(Schema, """{"date": {"gte": 1767225600000, "lte": 1767312000000}}""");

        Assert.Equal([FilterOperator.Gte, FilterOperator.Lte], clauses.Select(c => c.Operator));
        Assert.All(clauses, c => Assert.Equal("date", c.Field));
    }

    [Fact]
    public void SeveralFields_AreOneClauseEach_InOrder()
    {
        var clauses = Clauses(Schema, """{"alertOpen": {"eq": true}, "severity": {"eq": [2]}, "entity.user": {"eq": ["ada@contoso.com"]}}""");

        Assert.Equal(["alertOpen", "severity", "entity.user"], clauses.Select(c => c.Field));
    }

    [Fact]
    public void ARange_ParsesStartAndEnd()
    {
        var clause = Assert.Single(Clauses(Schema,
            """{"date": {"range": [{"start": 1767225600000, "end": 1767312000000}, {"start": "2026-02-01T00:00:00Z", "end": "2026-02-02T00:00:00Z"}]}}"""));

        Assert.Equal(
            [
                new FilterRange(new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), new(2026, 1, 2, 0, 0, 0, TimeSpan.Zero)),
                new FilterRange(new(2026, 2, 1, 0, 0, 0, TimeSpan.Zero), new(2026, 2, 2, 0, 0, 0, TimeSpan.Zero)),
            ],
            clause.Values);
    }

    [Fact]
    public void ARangeObjectAlone_IsAOneItemList() =>
        Assert.IsType<FilterRange>(Assert.Single(Assert.Single(Clauses(Schema, """{"resolutionDate": {"range": {"start": 1, "end": 2}}}""")).Values));

    [Fact]
    public void ARange_OfOneInstant_IsAccepted() =>
        Assert.Single(Clauses(Schema, """{"date": {"range": [{"start": 1767225600000, "end": 1767225600000}]}}"""));

    [Fact]
    public void ARange_EndingBeforeItStarts_IsRefused()
    {
        var (key, message) = SingleError(ParseFilters(Schema, """{"date": {"range": [{"start": 1767312000000, "end": 1767225600000}]}}"""));

        Assert.Equal("filters.date.range", key);
        Assert.Contains("ends before it starts", message);
    }

    [Theory]
    [InlineData("""[{"start": 1767225600000}]""")]
    [InlineData("""[{"end": 1767225600000}]""")]
    [InlineData("""[{"from": 1, "to": 2}]""")]
    [InlineData("""[{"start": "soon", "end": 2}]""")]
    [InlineData("""[{"start": 1, "end": null}]""")]
    [InlineData("""[1767225600000, 1767312000000]""")]
    [InlineData("""[[1, 2]]""")]
    [InlineData("""[]""")]
    [InlineData("7")]
    public void AMalformedRange_IsRefused(string value)
    {
        var (key, message) = SingleError(ParseFilters(Schema, $$$"""{"date": {"range": {{{value}}}}}"""));

        Assert.Equal("filters.date.range", key);
        Assert.Contains("'range'", message);
    }

    [Theory]
    [InlineData("gte_ndays", 0)]
    [InlineData("gte_ndays", 7)]
    [InlineData("lte_ndays", 36500)]
    public void NDays_TakesANumberOfDays(string op, long days) =>
        Assert.Equal([days], Assert.Single(Clauses(Schema, $$$"""{"date": {"{{{op}}}": {{{days}}}}}""")).Values);

    [Theory]
    [InlineData("-1")]
    [InlineData("36501")]
    [InlineData("1.5")]
    [InlineData("\"7\"")]
    [InlineData("[7]")]
    [InlineData("true")]
    public void NDays_WithAnythingButAWholeNumberOfDays_IsRefused(string value)
    {
        var (key, message) = SingleError(ParseFilters(Schema, $$$"""{"date": {"gte_ndays": {{{value}}}}}"""));

        Assert.Equal("filters.date.gte_ndays", key);
        Assert.Contains("number of days", message);
    }

    [Theory]
    [InlineData("isset", true)]
    [InlineData("isset", false)]
    [InlineData("isnotset", true)]
    public void IsSetOnResolutionDate_TakesABoolean(string op, bool value)
    {
        var clause = Assert.Single(Clauses(Schema, $$$"""{"resolutionDate": {"{{{op}}}": {{{(value ? "true" : "false")}}}}}"""));

        Assert.Equal("resolutionDate", clause.Field);
        Assert.Equal([value], clause.Values);
    }

    [Theory]
    [InlineData("\"true\"")]
    [InlineData("1")]
    [InlineData("[true]")]
    [InlineData("null")]
    public void IsSet_WithANonBoolean_IsRefused(string value)
    {
        var (key, message) = SingleError(ParseFilters(Schema, $$$"""{"resolutionDate": {"isset": {{{value}}}}}"""));

        Assert.Equal("filters.resolutionDate.isset", key);
        Assert.Contains("true or false", message);
    }

    [Theory]
    [InlineData("\"high\"")]
    [InlineData("[\"2\"]")]
    [InlineData("[2.5]")]
    [InlineData("[true]")]
    public void Severity_GivenAnythingButAWholeNumber_IsRefused(string value)
    {
        var (key, message) = SingleError(ParseFilters(Schema, $$$"""{"severity": {"eq": {{{value}}}}}"""));

        Assert.Equal("filters.severity.eq", key);
        Assert.Contains("'severity'", message);
        Assert.Contains("whole number", message);
    }

    [Theory]
    [InlineData("severity", 4)]
    [InlineData("severity", -1)]
    [InlineData("resolutionStatus", 6)]
    [InlineData("resolutionStatus", -1)]
    [InlineData("alertType", 6)]
    public void IntegerFields_OutOfTheirRange_AreRefused(string field, int value)
    {
        var (key, message) = SingleError(ParseFilters(Schema, $$$"""{"{{{field}}}": {"eq": [{{{value}}}]}}"""));

        Assert.Equal($"filters.{field}.eq", key);
        Assert.Contains($"{value}", message);
    }

    [Theory]
    [InlineData("severity", 3)]
    [InlineData("resolutionStatus", 5)]
    [InlineData("alertType", 5)]
    [InlineData("severity", 0)]
    public void IntegerFields_AtTheEndsOfTheirRange_AreAccepted(string field, int value) =>
        Assert.Equal([(long)value], Assert.Single(Clauses(Schema, $$$"""{"{{{field}}}": {"eq": [{{{value}}}]}}""")).Values);

    [Fact]
    public void OneBadValueInAList_RefusesTheClause()
    {
        var (key, _) = SingleError(ParseFilters(Schema, """{"severity": {"eq": [1, 2, 4]}}"""));

        Assert.Equal("filters.severity.eq", key);
    }

    [Theory]
    [InlineData("alertOpen", "\"true\"")]
    [InlineData("alertOpen", "1")]
    [InlineData("alertOpen", "null")]
    [InlineData("read", "\"yes\"")]
    [InlineData("read", "[0]")]
    public void BooleanFields_GivenANonBoolean_AreRefused(string field, string value)
    {
        var (key, message) = SingleError(ParseFilters(Schema, $$$"""{"{{{field}}}": {"eq": {{{value}}}}}"""));

        Assert.Equal($"filters.{field}.eq", key);
        Assert.Contains("true or false", message);
    }

    [Fact]
    public void AnEmptyValueList_IsRefused()
    {
        var (key, message) = SingleError(ParseFilters(Schema, """{"id": {"eq": []}}"""));

        Assert.Equal("filters.id.eq", key);
        Assert.Contains("empty", message);
    }

    [Fact]
    public void MoreThanAThousandValues_AreRefused()
    {
        var ids = string.Join(", ", Enumerable.Range(0, 1001).Select(i => $"\"{i:x24}\""));

        var (key, message) = SingleError(ParseFilters(Schema, $$$"""{"id": {"eq": [{{{ids}}}]}}"""));

        Assert.Equal("filters.id.eq", key);
        Assert.Contains("1000", message);
    }

    [Fact]
    public void AThousandValues_AreAccepted() =>
        Assert.Equal(1000, Assert.Single(Clauses(Schema,
            $$$"""{"id": {"eq": [{{{string.Join(", ", Enumerable.Range(0, 1000).Select(i => $"\"{i:x24}\""))}}}]}}""")).Values.Count);

    [Fact]
    public void TheTextFilter_TakesOneString()
    {
        var clause = Assert.Single(Clauses(Schema, """{"text": {"text": "mass download"}}"""));

        Assert.Equal(FilterOperator.Text, clause.Operator);
        Assert.Equal("mass download", clause.Single);
    }

    [Fact]
    public void TheTextFilter_WithTwoStrings_IsRefused() =>
        Assert.Equal("filters.text.text", SingleError(ParseFilters(Schema, """{"text": {"text": ["a", "b"]}}""")).Key);

    [Fact]
    public void AnUnknownField_IsRefused_ListingTheFields()
    {
        var (key, message) = SingleError(ParseFilters(Schema, """{"colour": {"eq": ["red"]}}"""));

        Assert.Equal("filters.colour", key);
        Assert.Contains("'colour'", message);
        Assert.Contains("alerts", message);
        foreach (var field in OperatorsByField.Keys)
            Assert.Contains(field, message);
    }

    [Fact]
    public void FieldNames_AreCaseSensitive() =>
        Assert.Equal("filters.Severity", SingleError(ParseFilters(Schema, """{"Severity": {"eq": [1]}}""")).Key);

    [Fact]
    public void AnUnknownOperator_IsRefused_NamingItAndTheField()
    {
        var (key, message) = SingleError(ParseFilters(Schema, """{"severity": {"like": [1]}}"""));

        Assert.Equal("filters.severity.like", key);
        Assert.Contains("'like'", message);
        Assert.Contains("'severity'", message);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("[{\"severity\": {\"eq\": [1]}}]")]
    [InlineData("\"severity=1\"")]
    [InlineData("1")]
    [InlineData("true")]
    public void Filters_ThatAreNotAnObject_AreRefused(string filters)
    {
        var (key, message) = SingleError(ParseFilters(Schema, filters));

        Assert.Equal("filters", key);
        Assert.Contains("JSON object", message);
    }

    [Fact]
    public void NullFilters_MeanNoFilters()
    {
        var result = ParseFilters(Schema, "null");

        Assert.True(result.Succeeded);
        Assert.Empty(result.Request!.Filters);
    }

    [Fact]
    public void EmptyFilters_MeanNoFilters() => Assert.Empty(Clauses(Schema, "{}"));

    [Theory]
    [InlineData("1")]
    [InlineData("[1]")]
    [InlineData("\"high\"")]
    [InlineData("null")]
    public void AFieldWhoseFilterIsNotAnOperatorObject_IsRefused(string value)
    {
        var (key, message) = SingleError(ParseFilters(Schema, $$$"""{"severity": {{{value}}}}"""));

        Assert.Equal("filters.severity", key);
        Assert.Contains("'severity'", message);
    }

    [Fact]
    public void AnEmptyOperatorObject_IsRefused()
    {
        var (key, message) = SingleError(ParseFilters(Schema, """{"severity": {}}"""));

        Assert.Equal("filters.severity", key);
        Assert.Contains("no operator", message);
    }

    [Fact]
    public void EveryProblem_IsReported_NotJustTheFirst()
    {
        var result = ParseFilters(Schema, """{"colour": {"eq": 1}, "severity": {"gt": 1}, "alertOpen": {"eq": "yes"}, "date": {"gte": 1767225600000}}""");

        Assert.False(result.Succeeded);
        Assert.Equal(["filters.alertOpen.eq", "filters.colour", "filters.severity.gt"], result.Errors.Keys.Order());
    }

    [Fact]
    public void ParseFilters_OnItsOwn_ReturnsClausesAndCollectsErrors()
    {
        var errors = new Dictionary<string, List<string>>();

        var clauses = ListRequestParser.ParseFilters(Element("""{"id": {"eq": ["0123456789abcdef01234567"]}, "severity": {"eq": 9}}"""), Schema, errors);

        Assert.Equal(AlertQueries.Id, Assert.Single(clauses).Field);
        Assert.Equal("filters.severity.eq", Assert.Single(errors).Key);
    }

    [Fact]
    public void ParseFilters_OnItsOwn_RefusesANonObject()
    {
        var errors = new Dictionary<string, List<string>>();

        var clauses = ListRequestParser.ParseFilters(Element("[]"), Schema, errors);

        Assert.Empty(clauses);
        Assert.Equal("filters", Assert.Single(errors).Key);
    }
}
