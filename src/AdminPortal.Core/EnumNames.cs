namespace AdminPortal.Core;

/// <summary>
/// Parses an enum from one of its names only. <see cref="Enum.TryParse{TEnum}(string, bool, out TEnum)"/>
/// also takes numbers and comma lists ("Reader,Admin" = a bitwise OR), which must never pass for a role or a setting.
/// </summary>
public static class EnumNames
{
    public static bool TryParse<TEnum>(string? value, out TEnum result) where TEnum : struct, Enum
    {
        var name = Enum.GetNames<TEnum>().FirstOrDefault(n => string.Equals(n, value, StringComparison.OrdinalIgnoreCase));
        result = name is null ? default : Enum.Parse<TEnum>(name);
        return name is not null;
    }
}
