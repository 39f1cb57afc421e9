namespace AdminPortal.Core.Filters;

/// <summary>The filter fields and sort fields one list endpoint accepts.</summary>
public sealed class FilterSchema
{
    private readonly Dictionary<string, FilterField> _fields = new(StringComparer.Ordinal);

    public FilterSchema(string resource, IEnumerable<FilterField> fields, IReadOnlyDictionary<string, string> aliases, IReadOnlyList<string> sortFields, string defaultSort)
    {
        Resource = resource;
        foreach (var field in fields)
            _fields[field.Name] = field;
        foreach (var (alias, name) in aliases)
            _fields[alias] = _fields[name];
        SortFields = sortFields;
        DefaultSort = defaultSort;
    }

    /// <summary>"alerts", "activities": named in error messages.</summary>
    public string Resource { get; }
    public IReadOnlyList<string> SortFields { get; }
    public string DefaultSort { get; }
    /// <summary>The canonical names, for error messages and documentation.</summary>
    public IEnumerable<string> FieldNames => _fields.Values.Select(f => f.Name).Distinct();

    /// <summary>Finds a field by its name or alias; the clause carries the canonical name.</summary>
    public FilterField? Find(string name) => _fields.GetValueOrDefault(name);
}
