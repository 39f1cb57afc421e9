using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;

namespace AdminPortal.Core.Features.Audit;

/// <summary>The known audit actions and how people read them: "PolicyUpdated" is shown as "Policy updated".</summary>
public static partial class AuditActionNames
{
    /// <summary>Every <see cref="AuditActions"/> constant, ordered by label (so "Policy …" actions sit together).</summary>
    public static IReadOnlyList<string> All { get; } = typeof(AuditActions)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .OrderBy(Label, StringComparer.Ordinal)
        .ToList();

    private static readonly HashSet<string> Known = new(All, StringComparer.Ordinal);

    public static bool IsKnown(string? action) => action is not null && Known.Contains(action);

    /// <summary>
    /// A sentence-case label derived from the name: words split at capitals, "Api" as "API",
    /// "Sign in/out" as the nouns "Sign-in/out". Works for names that are not (yet) constants too.
    /// </summary>
    public static string Label(string action)
    {
        if (string.IsNullOrWhiteSpace(action))
            return action;
        var words = new StringBuilder(action.Length + 8);
        for (var i = 0; i < action.Length; i++)
        {
            var c = action[i];
            if (i > 0 && char.IsUpper(c) && (char.IsLower(action[i - 1]) || char.IsDigit(action[i - 1])))
                words.Append(' ');
            words.Append(char.ToLowerInvariant(c));
        }
        var text = SignInOrOut().Replace(ApiWord().Replace(words.ToString(), "API"), "sign-$1");
        return char.ToUpperInvariant(text[0]) + text[1..];
    }

    [GeneratedRegex(@"\bapi\b")]
    private static partial Regex ApiWord();

    [GeneratedRegex(@"\bsign (in|out)\b")]
    private static partial Regex SignInOrOut();
}
