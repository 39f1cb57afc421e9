using AdminPortal.Core.Features.Activities;
using AdminPortal.Core.Filters;
using static AdminPortal.UnitTests.Filters.FilterJson;

namespace AdminPortal.UnitTests.Filters;

/// <summary>What parsed activity filters select, evaluated in memory.</summary>
public sealed class ActivityQueriesTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 12, 0, 0, TimeSpan.Zero);

    private static readonly Activity Ada = new()
    {
        Timestamp = Now.AddDays(-1), App = "SharePoint", ActivityType = "FileDownload", User = "ada@contoso.com",
        IpAddress = "203.0.113.5", Country = "NL", ObjectName = "Q3-Report.xlsx", ObjectId = "file-1",
    };

    private static readonly Activity Bob = new()
    {
        Timestamp = Now.AddDays(-10), App = "Exchange", ActivityType = "FileShare", User = "bob@contoso.com",
        TargetUser = "eve@fabrikam.com",
    };

    private static IEnumerable<string> Select(string filters) =>
        ActivityQueries.Apply(new[] { Ada, Bob }.AsQueryable(), Clauses(ActivityQueries.Schema, filters), Now).Select(a => a.User);

    [Theory]
    [InlineData("""{"user": {"eq": ["ADA@Contoso.com"]}}""", "ada@contoso.com")]
    [InlineData("""{"app": {"neq": ["sharepoint"]}}""", "bob@contoso.com")]
    [InlineData("""{"objectName": {"contains": ["REPORT"]}}""", "ada@contoso.com")]
    [InlineData("""{"objectName": {"startswith": ["q3"]}}""", "ada@contoso.com")]
    [InlineData("""{"objectName": {"endswith": [".XLSX"]}}""", "ada@contoso.com")]
    [InlineData("""{"targetUser": {"endswith": ["@fabrikam.com"]}}""", "bob@contoso.com")]
    [InlineData("""{"activityType": {"doesnotstartwith": ["file"]}}""", "")]
    [InlineData("""{"country": {"eq": "nl"}}""", "ada@contoso.com")]
    public void StringFilters_CompareCaseInsensitively(string filters, string expected) =>
        Assert.Equal(expected.Length == 0 ? [] : [expected], Select(filters));

    [Fact]
    public void NotContains_SelectsActivitiesWithoutTheField() =>
        Assert.Equal(["bob@contoso.com"], Select("""{"objectName": {"ncontains": ["report"]}}"""));

    [Theory]
    [InlineData("ada@contoso.com", "ada@contoso.com")]
    [InlineData("EVE@fabrikam.com", "bob@contoso.com")]
    [InlineData("file-1", "ada@contoso.com")]
    public void TheEntityFilter_MatchesUserTargetUserOrObject(string entity, string expected) =>
        Assert.Equal([expected], Select($$$"""{"entity": {"eq": [{"id": "{{{entity}}}", "saas": 11161, "inst": 0}]}}"""));

    [Fact]
    public void DateFilters_SelectByTimestamp()
    {
        var ms = Now.AddDays(-1).ToUnixTimeMilliseconds();

        Assert.Equal(["ada@contoso.com"], Select($$$"""{"date": {"gte": {{{ms}}}}}"""));
        Assert.Empty(Select($$$"""{"date": {"gt": {{{ms}}}}}"""));
        Assert.Equal(["ada@contoso.com"], Select($$$"""{"date": {"range": [{"start": {{{ms}}}, "end": {{{ms}}}}]}}"""));
        Assert.Equal(["ada@contoso.com"], Select("""{"date": {"gte_ndays": 2}}"""));
        Assert.Equal(["bob@contoso.com"], Select("""{"date": {"lte_ndays": 2}}"""));
    }

    [Fact]
    public void Filters_CombineWithAnd() =>
        Assert.Empty(Select("""{"user": {"eq": ["ada@contoso.com"]}, "app": {"eq": ["Exchange"]}}"""));
}
