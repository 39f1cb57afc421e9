using System.Text.Json;
using AdminPortal.Core.Filters;

namespace AdminPortal.UnitTests.Filters;

/// <summary>Parses list requests from JSON text, the way the list endpoints receive them.</summary>
internal static class FilterJson
{
    private static readonly IReadOnlyDictionary<string, string> NoValues = new Dictionary<string, string>();

    public static JsonElement Element(string json) => JsonSerializer.Deserialize<JsonElement>(json);

    public static ListRequestParseResult Parse(FilterSchema schema, string body, IReadOnlyDictionary<string, string>? values = null, int defaultLimit = ListRequestParser.MaxLimit) =>
        ListRequestParser.Parse(Element(body), values ?? NoValues, schema, defaultLimit);

    public static ListRequestParseResult ParseFilters(FilterSchema schema, string filters) =>
        Parse(schema, $$$"""{"filters": {{{filters}}}}""");

    /// <summary>The filters of a request that must parse; fails the test with the errors otherwise.</summary>
    public static IReadOnlyList<FilterClause> Clauses(FilterSchema schema, string filters)
    {
        var result = ParseFilters(schema, filters);
        Assert.True(result.Succeeded, "Expected the filters to parse, but: " + Describe(result.Errors));
        return result.Request!.Filters;
    }

    /// <summary>The only error of a request that must fail, with its key.</summary>
    public static KeyValuePair<string, string> SingleError(ListRequestParseResult result)
    {
        Assert.False(result.Succeeded, "Expected the request to be refused.");
        var (key, messages) = Assert.Single(result.Errors);
        return new(key, Assert.Single(messages));
    }

    public static string Describe(IReadOnlyDictionary<string, string[]> errors) =>
        string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" | ", e.Value)}"));
}
