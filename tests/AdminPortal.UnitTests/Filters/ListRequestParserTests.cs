using AdminPortal.Core.Features.Activities;
using AdminPortal.Core.Features.Alerts;
using AdminPortal.Core.Filters;
using static AdminPortal.UnitTests.Filters.FilterJson;

namespace AdminPortal.UnitTests.Filters;

/// <summary>Paging, sorting and the top-level keys of a list request (reference mcas-api.md §1–2, §5).</summary>
public sealed class ListRequestParserTests
{
    private static readonly FilterSchema Alerts = AlertQueries.Schema;

    private static Dictionary<string, string> Query(params (string Name, string Value)[] values) =>
        values.ToDictionary(v => v.Name, v => v.Value);

    private static ListRequest Succeeds(ListRequestParseResult result)
    {
        Assert.True(result.Succeeded, "Expected the request to parse, but: " + Describe(result.Errors));
        return result.Request!;
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("null")]
    [InlineData("""{"filters": {}}""")]
    public void AnEmptyRequest_GetsTheDefaults(string body)
    {
        var request = Succeeds(Parse(Alerts, body));

        Assert.Empty(request.Filters);
        Assert.Equal(0, request.Skip);
        Assert.Equal(100, request.Limit);
        Assert.Equal(new SortOrder("date", Descending: true), request.Sort);
    }

    [Fact]
    public void NoBodyAtAll_GetsTheDefaults()
    {
        var request = Succeeds(ListRequestParser.Parse(default, new Dictionary<string, string>(), Alerts));

        Assert.Equal((0, 100, new SortOrder("date", true)), (request.Skip, request.Limit, request.Sort));
    }

    [Fact]
    public void TheDefaultLimit_CanBeChosenByTheEndpoint() =>
        Assert.Equal(20, Succeeds(Parse(Alerts, "{}", defaultLimit: 20)).Limit);

    [Fact]
    public void PagingAndSorting_AreReadFromTheBody()
    {
        var request = Succeeds(Parse(Alerts, """{"skip": 40, "limit": 20, "sortField": "severity", "sortDirection": "asc"}"""));

        Assert.Equal(40, request.Skip);
        Assert.Equal(20, request.Limit);
        Assert.Equal(new SortOrder("severity", Descending: false), request.Sort);
    }

    [Fact]
    public void PagingAndSorting_AreReadFromQueryValues()
    {
        var request = Succeeds(Parse(Alerts, "{}", Query(("skip", "40"), ("limit", "20"), ("sortField", "severity"), ("sortDirection", "asc"))));

        Assert.Equal(40, request.Skip);
        Assert.Equal(20, request.Limit);
        Assert.Equal(new SortOrder("severity", Descending: false), request.Sort);
    }

    [Fact]
    public void PagingAndSorting_AreReadFromQueryValues_WithoutABody()
    {
        var request = Succeeds(ListRequestParser.Parse(default, Query(("skip", "5"), ("limit", "7")), Alerts));

        Assert.Equal((5, 7), (request.Skip, request.Limit));
    }

    [Fact]
    public void TheBody_WinsOverQueryValues()
    {
        var request = Succeeds(Parse(Alerts, """{"limit": 10, "sortDirection": "asc"}""", Query(("limit", "50"), ("sortDirection", "desc"))));

        Assert.Equal(10, request.Limit);
        Assert.False(request.Sort.Descending);
    }

    [Fact]
    public void ANullInTheBody_FallsBackToTheQueryValue() =>
        Assert.Equal(30, Succeeds(Parse(Alerts, """{"limit": null}""", Query(("limit", "30")))).Limit);

    [Fact]
    public void NumbersWrittenAsText_AreAcceptedInTheBody()
    {
        var request = Succeeds(Parse(Alerts, """{"skip": "10", "limit": "20"}"""));

        Assert.Equal((10, 20), (request.Skip, request.Limit));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(100)]
    public void ALimitFromOneToAHundred_IsAccepted(int limit)
    {
        Assert.Equal(limit, Succeeds(Parse(Alerts, $$$"""{"limit": {{{limit}}}}""")).Limit);
        Assert.Equal(limit, Succeeds(Parse(Alerts, "{}", Query(("limit", $"{limit}")))).Limit);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(101)]
    [InlineData(10000)]
    [InlineData(-1)]
    public void ALimitOutsideOneToAHundred_IsRefused_InTheBody(int limit)
    {
        var (key, message) = SingleError(Parse(Alerts, $$$"""{"limit": {{{limit}}}}"""));

        Assert.Equal("limit", key);
        Assert.Contains("between 1 and 100", message);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("101")]
    [InlineData("10000")]
    public void ALimitOutsideOneToAHundred_IsRefused_InTheQuery(string limit)
    {
        var (key, message) = SingleError(Parse(Alerts, "{}", Query(("limit", limit))));

        Assert.Equal("limit", key);
        Assert.Contains("between 1 and 100", message);
    }

    [Fact]
    public void ANegativeSkip_IsRefused()
    {
        Assert.Equal("skip", SingleError(Parse(Alerts, """{"skip": -1}""")).Key);
        Assert.Equal("skip", SingleError(Parse(Alerts, "{}", Query(("skip", "-1")))).Key);
    }

    [Theory]
    [InlineData("""{"limit": 1.5}""")]
    [InlineData("""{"limit": "ten"}""")]
    [InlineData("""{"limit": true}""")]
    [InlineData("""{"limit": [10]}""")]
    [InlineData("""{"limit": "-5"}""")]
    [InlineData("""{"limit": 99999999999999999999}""")]
    public void ALimitThatIsNotAWholeNumber_IsRefused(string body)
    {
        var (key, message) = SingleError(Parse(Alerts, body));

        Assert.Equal("limit", key);
        Assert.Contains("whole number", message);
    }

    [Theory]
    [InlineData("ten")]
    [InlineData("1.5")]
    [InlineData("")]
    public void ASkipQueryValueThatIsNotAWholeNumber_IsRefused(string skip)
    {
        var (key, message) = SingleError(Parse(Alerts, "{}", Query(("skip", skip))));

        Assert.Equal("skip", key);
        Assert.Contains("whole number", message);
    }

    [Theory]
    [InlineData("title")]
    [InlineData("Date")]
    [InlineData("timestamp")]
    public void AnUnsupportedSortField_IsRefused_NamingTheSupportedOnes(string sortField)
    {
        var (key, message) = SingleError(Parse(Alerts, $$$"""{"sortField": "{{{sortField}}}"}"""));

        Assert.Equal("sortField", key);
        Assert.Contains($"'{sortField}'", message);
        Assert.Contains("date or severity", message);
    }

    [Fact]
    public void ASortFieldThatIsNotText_IsRefused() =>
        Assert.Equal("sortField", SingleError(Parse(Alerts, """{"sortField": 1}""")).Key);

    [Fact]
    public void Activities_CannotBeSortedBySeverity() =>
        Assert.Equal("sortField", SingleError(Parse(ActivityQueries.Schema, """{"sortField": "severity"}""")).Key);

    [Theory]
    [InlineData("up")]
    [InlineData("ASC")]
    [InlineData("descending")]
    [InlineData("")]
    public void AnUnsupportedSortDirection_IsRefused(string direction)
    {
        var (key, message) = SingleError(Parse(Alerts, $$$"""{"sortDirection": "{{{direction}}}"}"""));

        Assert.Equal("sortDirection", key);
        Assert.Contains("asc or desc", message);
    }

    [Fact]
    public void AnUnsupportedSortDirection_InTheQuery_IsRefused() =>
        Assert.Equal("sortDirection", SingleError(Parse(Alerts, "{}", Query(("sortDirection", "sideways")))).Key);

    [Theory]
    [InlineData("filter")]
    [InlineData("Filters")]
    [InlineData("offset")]
    [InlineData("sort")]
    public void AnUnknownTopLevelKey_IsRefused(string name)
    {
        var (key, message) = SingleError(Parse(Alerts, $$$"""{"{{{name}}}": 1}"""));

        Assert.Equal(name, key);
        Assert.Contains($"'{name}'", message);
    }

    [Theory]
    [InlineData("true")]
    [InlineData("\"true\"")]
    public void TheConnectorsProjectedMSFlowFieldsFlag_IsAccepted(string value) =>
        Succeeds(Parse(Alerts, $$$"""{"projectedMSFlowFields": {{{value}}}}"""));

    [Fact]
    public void TheConnectorsGetOpenAlertsBody_Parses()
    {
        var request = Succeeds(Parse(Alerts,
            """{"skip": 0, "limit": 20, "filters": {"resolutionStatus": {"eq": 0}}, "sortField": "date", "sortDirection": "desc", "projectedMSFlowFields": true}"""));

        var clause = Assert.Single(request.Filters);
        Assert.Equal(("resolutionStatus", FilterOperator.Eq, 0L), (clause.Field, clause.Operator, clause.Single));
        Assert.Equal((0, 20, new SortOrder("date", true)), (request.Skip, request.Limit, request.Sort));
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"filters\"")]
    [InlineData("42")]
    public void ABodyThatIsNotAnObject_IsRefused(string body) =>
        Assert.Equal("body", SingleError(Parse(Alerts, body)).Key);

    [Fact]
    public void EveryProblem_IsReportedTogether()
    {
        var result = Parse(Alerts, """{"limit": 0, "skip": -3, "sortField": "title", "sortDirection": "up", "offset": 1, "filters": {"colour": {"eq": 1}}}""");

        Assert.False(result.Succeeded);
        Assert.Equal(["filters.colour", "limit", "offset", "skip", "sortDirection", "sortField"], result.Errors.Keys.Order());
    }
}
