using System.Globalization;
using System.Text.Json;

namespace AdminPortal.Core.Filters;

/// <summary>The result of parsing a list request: the request, or errors keyed by the field they are about.</summary>
public sealed record ListRequestParseResult(ListRequest? Request, IReadOnlyDictionary<string, string[]> Errors)
{
    public bool Succeeded => Request is not null;
}

/// <summary>
/// Parses MCAS list requests: <c>{filters, skip, limit, sortField, sortDirection}</c> from a JSON body, with
/// <c>skip</c>/<c>limit</c>/<c>sortField</c>/<c>sortDirection</c> also accepted as query or form values.
/// Every problem is reported with the field (and operator) it is about; nothing is silently ignored except
/// the connector's own flags (e.g. <c>projectedMSFlowFields</c>).
/// </summary>
public static class ListRequestParser
{
    public const int MaxLimit = 100;
    private static readonly HashSet<string> KnownTopLevel = ["filters", "skip", "limit", "sortField", "sortDirection", "projectedMSFlowFields", "isScan"];

    public static ListRequestParseResult Parse(JsonElement body, IReadOnlyDictionary<string, string> values, FilterSchema schema, int defaultLimit = MaxLimit)
    {
        var errors = new Dictionary<string, List<string>>();
        void Error(string key, string message) => (errors.TryGetValue(key, out var list) ? list : errors[key] = []).Add(message);

        if (body.ValueKind is not (JsonValueKind.Object or JsonValueKind.Undefined or JsonValueKind.Null))
        {
            Error("body", $"The body must be a JSON object with filters, skip, limit, sortField and sortDirection; it is {Describe(body)}.");
            return Failed(errors);
        }
        var hasBody = body.ValueKind == JsonValueKind.Object;
        if (hasBody)
        {
            foreach (var property in body.EnumerateObject())
                if (!KnownTopLevel.Contains(property.Name))
                    Error(property.Name, $"'{property.Name}' is not a list request field; use filters, skip, limit, sortField and sortDirection.");
        }

        var filters = new List<FilterClause>();
        if (hasBody && body.TryGetProperty("filters", out var filtersElement) && filtersElement.ValueKind != JsonValueKind.Null)
            ParseFilters(filtersElement, schema, filters, Error);

        var skip = ReadInteger("skip", 0, 0, int.MaxValue);
        var limit = ReadInteger("limit", defaultLimit, 1, MaxLimit);
        var sortField = ReadString("sortField") ?? schema.DefaultSort;
        if (!schema.SortFields.Contains(sortField))
            Error("sortField", $"sortField '{sortField}' is not supported for {schema.Resource}; use {string.Join(" or ", schema.SortFields)}.");
        var direction = ReadString("sortDirection") ?? "desc";
        if (direction is not ("asc" or "desc"))
            Error("sortDirection", $"sortDirection '{direction}' is not supported; use asc or desc.");

        return errors.Count > 0
            ? Failed(errors)
            : new ListRequestParseResult(new ListRequest(filters, skip, limit, new SortOrder(sortField, direction == "desc")), new Dictionary<string, string[]>());

        int ReadInteger(string name, int fallback, int min, int max)
        {
            long? value = null;
            if (hasBody && body.TryGetProperty(name, out var element) && element.ValueKind != JsonValueKind.Null)
            {
                if (element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out var number))
                    value = number;
                else if (element.ValueKind == JsonValueKind.String && long.TryParse(element.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out number))
                    value = number;
                else
                {
                    Error(name, $"{name} must be a whole number; it is {Describe(element)}.");
                    return fallback;
                }
            }
            else if (values.TryGetValue(name, out var text))
            {
                if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
                {
                    Error(name, $"{name} must be a whole number; it is '{text}'.");
                    return fallback;
                }
                value = number;
            }
            if (value is null)
                return fallback;
            if (value < min || value > max)
            {
                Error(name, max == int.MaxValue ? $"{name} must be {min} or more; it is {value}." : $"{name} must be between {min} and {max}; it is {value}.");
                return fallback;
            }
            return (int)value;
        }

        string? ReadString(string name)
        {
            if (hasBody && body.TryGetProperty(name, out var element) && element.ValueKind != JsonValueKind.Null)
            {
                if (element.ValueKind == JsonValueKind.String)
                    return element.GetString();
                Error(name, $"{name} must be a string; it is {Describe(element)}.");
                return null;
            }
            return values.TryGetValue(name, out var text) ? text : null;
        }
    }

    /// <summary>Parses a <c>filters</c> object on its own (the close endpoints take filters without paging).</summary>
    public static IReadOnlyList<FilterClause> ParseFilters(JsonElement filters, FilterSchema schema, Dictionary<string, List<string>> errors)
    {
        var clauses = new List<FilterClause>();
        ParseFilters(filters, schema, clauses, (key, message) => (errors.TryGetValue(key, out var list) ? list : errors[key] = []).Add(message));
        return clauses;
    }

    private static void ParseFilters(JsonElement filters, FilterSchema schema, List<FilterClause> clauses, Action<string, string> error)
    {
        if (filters.ValueKind != JsonValueKind.Object)
        {
            error("filters", $"filters must be a JSON object of field → {{operator: value}}; it is {Describe(filters)}.");
            return;
        }
        foreach (var fieldProperty in filters.EnumerateObject())
        {
            var key = $"filters.{fieldProperty.Name}";
            if (schema.Find(fieldProperty.Name) is not { } field)
            {
                error(key, $"'{fieldProperty.Name}' is not a filter field for {schema.Resource}; the fields are {string.Join(", ", schema.FieldNames)}.");
                continue;
            }
            if (fieldProperty.Value.ValueKind != JsonValueKind.Object)
            {
                error(key, $"The filter on '{fieldProperty.Name}' must be an object like {{\"eq\": [...]}}; it is {Describe(fieldProperty.Value)}.");
                continue;
            }
            var any = false;
            foreach (var operatorProperty in fieldProperty.Value.EnumerateObject())
            {
                any = true;
                var opKey = $"{key}.{operatorProperty.Name}";
                if (!FilterOperators.TryParse(operatorProperty.Name, out var op))
                {
                    error(opKey, $"'{operatorProperty.Name}' is not a filter operator (field '{fieldProperty.Name}').");
                    continue;
                }
                if (!field.Operators.Contains(op))
                {
                    error(opKey, $"Operator '{operatorProperty.Name}' is not valid for field '{fieldProperty.Name}'; use {string.Join(", ", field.Operators.Select(o => o.WireName()))}.");
                    continue;
                }
                if (ParseValues(field, op, operatorProperty.Value, out var problem) is { } values)
                    clauses.Add(new FilterClause(field.Name, op, values));
                else
                    error(opKey, $"Field '{fieldProperty.Name}', operator '{operatorProperty.Name}': {problem}");
            }
            if (!any)
                error(key, $"The filter on '{fieldProperty.Name}' names no operator.");
        }
    }

    private static List<object>? ParseValues(FilterField field, FilterOperator op, JsonElement value, out string problem)
    {
        problem = "";
        switch (op)
        {
            case FilterOperator.IsSet or FilterOperator.IsNotSet:
                if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
                    return [value.GetBoolean()];
                problem = $"the value must be true or false; it is {Describe(value)}.";
                return null;
            case FilterOperator.GteNdays or FilterOperator.LteNdays:
                if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var days) && days is >= 0 and <= 36500)
                    return [days];
                problem = $"the value must be a number of days (0 to 36500); it is {Describe(value)}.";
                return null;
            case FilterOperator.Range:
                return ParseRanges(value, out problem);
            case FilterOperator.Gt or FilterOperator.Gte or FilterOperator.Lt or FilterOperator.Lte
                or FilterOperator.StartsWithSingle or FilterOperator.Text:
                if (value.ValueKind == JsonValueKind.Array)
                {
                    if (value.GetArrayLength() != 1)
                    {
                        problem = "the operator takes a single value, not a list.";
                        return null;
                    }
                    value = value[0];
                }
                var kind = op is FilterOperator.StartsWithSingle or FilterOperator.Text ? FilterValueKind.String : field.Kind;
                return ParseScalar(field, kind, value, out problem) is { } single ? [single] : null;
            default:
                // A scalar where a list is expected is a one-item list (the connector sends {"resolutionStatus":{"eq":0}}).
                var items = value.ValueKind == JsonValueKind.Array ? value.EnumerateArray().ToList() : [value];
                if (items.Count == 0)
                {
                    problem = "the list of values is empty.";
                    return null;
                }
                if (items.Count > 1000)
                {
                    problem = "at most 1000 values are allowed.";
                    return null;
                }
                var itemKind = op is FilterOperator.Eq or FilterOperator.Neq ? field.Kind : FilterValueKind.String;
                var values = new List<object>(items.Count);
                foreach (var item in items)
                {
                    if (ParseScalar(field, itemKind, item, out problem) is not { } parsed)
                        return null;
                    values.Add(parsed);
                }
                return values;
        }
    }

    private static object? ParseScalar(FilterField field, FilterValueKind kind, JsonElement value, out string problem)
    {
        problem = "";
        switch (kind)
        {
            case FilterValueKind.String:
                if (value.ValueKind == JsonValueKind.String)
                    return value.GetString()!;
                if (value.ValueKind == JsonValueKind.Number)
                    return value.GetRawText();
                problem = $"the value must be a string; it is {Describe(value)}.";
                return null;
            case FilterValueKind.Entity:
                if (value.ValueKind == JsonValueKind.String)
                    return value.GetString()!;
                if (value.ValueKind == JsonValueKind.Number)
                    return value.GetRawText();
                if (value.ValueKind == JsonValueKind.Object && value.TryGetProperty("id", out var id) && id.ValueKind is JsonValueKind.String or JsonValueKind.Number)
                    return id.ValueKind == JsonValueKind.String ? id.GetString()! : id.GetRawText();
                problem = $"the value must be an entity id or an object with an \"id\"; it is {Describe(value)}.";
                return null;
            case FilterValueKind.Integer:
                if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number)
                    && (field.Min is null || number >= field.Min) && (field.Max is null || number <= field.Max))
                    return number;
                problem = field.Min is not null && field.Max is not null
                    ? $"the value must be a whole number from {field.Min} to {field.Max}; it is {Describe(value)}."
                    : $"the value must be a whole number; it is {Describe(value)}.";
                return null;
            case FilterValueKind.Boolean:
                if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
                    return value.GetBoolean();
                problem = $"the value must be true or false; it is {Describe(value)}.";
                return null;
            case FilterValueKind.Date:
                if (ReadDate(value) is { } date)
                    return date;
                problem = $"the value must be a time in Unix epoch milliseconds (or ISO 8601 text); it is {Describe(value)}.";
                return null;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }

    private static List<object>? ParseRanges(JsonElement value, out string problem)
    {
        problem = "";
        var items = value.ValueKind == JsonValueKind.Array ? value.EnumerateArray().ToList() : [value];
        if (items.Count == 0)
        {
            problem = "the list of ranges is empty.";
            return null;
        }
        var ranges = new List<object>();
        foreach (var item in items)
        {
            if (item.ValueKind != JsonValueKind.Object
                || !item.TryGetProperty("start", out var start) || !item.TryGetProperty("end", out var end)
                || ReadDate(start) is not { } from || ReadDate(end) is not { } to)
            {
                problem = $"each range must be {{\"start\": <ms>, \"end\": <ms>}}; one is {Describe(item)}.";
                return null;
            }
            if (to < from)
            {
                problem = "a range ends before it starts.";
                return null;
            }
            ranges.Add(new FilterRange(from, to));
        }
        return ranges;
    }

    private static readonly DateTimeOffset Earliest = new(1970, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Latest = new(9999, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static DateTimeOffset? ReadDate(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var ms)
            && ms >= 0 && ms <= (Latest - Earliest).TotalMilliseconds)
            return DateTimeOffset.FromUnixTimeMilliseconds(ms);
        if (value.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            return parsed.ToUniversalTime();
        return null;
    }

    private static ListRequestParseResult Failed(Dictionary<string, List<string>> errors) =>
        new(null, errors.ToDictionary(pair => pair.Key, pair => pair.Value.ToArray()));

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Undefined => "missing",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => $"the text \"{Shorten(value.GetString()!)}\"",
        JsonValueKind.Number => $"the number {Shorten(value.GetRawText())}",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => "null",
    };

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
