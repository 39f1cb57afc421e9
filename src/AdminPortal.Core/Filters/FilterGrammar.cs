namespace AdminPortal.Core.Filters;

/// <summary>The operators of the MCAS list filters (reference mcas-api.md §2), by their wire names.</summary>
public enum FilterOperator
{
    Eq, Neq, Gt, Gte, Lt, Lte, GteNdays, LteNdays, IsSet, IsNotSet, Range,
    Contains, NContains, StartsWith, DoesNotStartWith, EndsWith, StartsWithSingle, Text,
}

/// <summary>What a filter field's values are.</summary>
public enum FilterValueKind
{
    String,
    Integer,
    Boolean,
    /// <summary>Unix epoch milliseconds (ISO-8601 text is accepted too).</summary>
    Date,
    /// <summary>An entity: a string id or an MCAS entity object <c>{"id": …, "saas": …, "inst": …}</c>.</summary>
    Entity,
}

/// <summary>A field a list endpoint can filter on, with the operators valid for it.</summary>
public sealed record FilterField(string Name, FilterValueKind Kind, IReadOnlyList<FilterOperator> Operators, int? Min = null, int? Max = null);

/// <summary>A <c>range</c> value: from <see cref="Start"/> to <see cref="End"/>, both inclusive.</summary>
public sealed record FilterRange(DateTimeOffset Start, DateTimeOffset End);

/// <summary>
/// One parsed condition. Values are typed by the field's kind: <see cref="string"/> (strings and entity ids),
/// <see cref="long"/> (integers and day counts), <see cref="bool"/>, <see cref="DateTimeOffset"/> or <see cref="FilterRange"/>.
/// </summary>
public sealed record FilterClause(string Field, FilterOperator Operator, IReadOnlyList<object> Values)
{
    public IEnumerable<string> Strings => Values.OfType<string>();
    public IEnumerable<long> Integers => Values.OfType<long>();
    public object Single => Values[0];
}

public sealed record SortOrder(string Field, bool Descending);

/// <summary>A parsed list request: filters (AND-combined), paging and sorting.</summary>
public sealed record ListRequest(IReadOnlyList<FilterClause> Filters, int Skip, int Limit, SortOrder Sort);

public static class FilterOperators
{
    private static readonly Dictionary<string, FilterOperator> ByWireName = new(StringComparer.Ordinal)
    {
        ["eq"] = FilterOperator.Eq, ["neq"] = FilterOperator.Neq,
        ["gt"] = FilterOperator.Gt, ["gte"] = FilterOperator.Gte, ["lt"] = FilterOperator.Lt, ["lte"] = FilterOperator.Lte,
        ["gte_ndays"] = FilterOperator.GteNdays, ["lte_ndays"] = FilterOperator.LteNdays,
        ["isset"] = FilterOperator.IsSet, ["isnotset"] = FilterOperator.IsNotSet, ["range"] = FilterOperator.Range,
        ["contains"] = FilterOperator.Contains, ["ncontains"] = FilterOperator.NContains,
        ["startswith"] = FilterOperator.StartsWith, ["doesnotstartwith"] = FilterOperator.DoesNotStartWith,
        ["endswith"] = FilterOperator.EndsWith, ["startswithsingle"] = FilterOperator.StartsWithSingle, ["text"] = FilterOperator.Text,
    };

    public static bool TryParse(string name, out FilterOperator op) => ByWireName.TryGetValue(name, out op);

    public static string WireName(this FilterOperator op) => ByWireName.First(pair => pair.Value == op).Key;

    public static readonly FilterOperator[] Equality = [FilterOperator.Eq, FilterOperator.Neq];
    public static readonly FilterOperator[] Dates =
        [FilterOperator.Gt, FilterOperator.Gte, FilterOperator.Lt, FilterOperator.Lte, FilterOperator.GteNdays, FilterOperator.LteNdays, FilterOperator.Range];
    public static readonly FilterOperator[] Text =
        [FilterOperator.Eq, FilterOperator.Neq, FilterOperator.Contains, FilterOperator.NContains, FilterOperator.StartsWith,
         FilterOperator.DoesNotStartWith, FilterOperator.EndsWith, FilterOperator.StartsWithSingle];
}
