using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using AdminPortal.Core.Features.Alerts;

namespace AdminPortal.Core.Features.Email;

/// <summary>
/// What an alert e-mail shows: only the alert's summary fields, never the raw activity JSON, so nothing
/// from an activity's payload leaks into a mailbox.
/// </summary>
public sealed record AlertEmailFacts(string AlertId, string Title, AlertSeverity Severity, DateTimeOffset CreatedAt, string PolicyId, string PolicyName,
    string Description, string? MainUser, IReadOnlyList<string> IpAddresses, IReadOnlyList<string> Apps, IReadOnlyList<string> Countries)
{
    /// <summary>
    /// From a stored alert (with <see cref="Alert.Entities"/> loaded) and its policy's name; IPs, apps and countries
    /// keep the entities' order, which <see cref="AlertBuilder"/> gives as first seen in the evidence.
    /// </summary>
    public static AlertEmailFacts Of(Alert alert, string policyName)
    {
        ArgumentNullException.ThrowIfNull(alert);
        ArgumentNullException.ThrowIfNull(policyName);
        List<string> ValuesOf(AlertEntityType type) => alert.Entities.Where(e => e.Type == type).Select(e => e.Value).ToList();
        return new AlertEmailFacts(alert.Id, alert.Title, alert.Severity, alert.CreatedAt, alert.PolicyId, policyName,
            alert.Description, alert.MainEntity, ValuesOf(AlertEntityType.Ip), ValuesOf(AlertEntityType.Service), ValuesOf(AlertEntityType.Country));
    }
}

/// <summary>An e-mail's content: the subject and the same text as HTML and as plain text (for clients that show no HTML).</summary>
public sealed record RenderedEmail(string Subject, string Html, string Text);

/// <summary>
/// Renders the portal's e-mails from the templates embedded under <c>Features/Email/Templates</c>, so wording and
/// layout can change without touching code; values are HTML-encoded in the HTML part, so alert data can't inject markup.
/// </summary>
public static partial class EmailTemplates
{
    private const int MaxHeaderLength = 250;
    private const string None = "—";
    private const string TimeFormat = "yyyy-MM-dd HH:mm:ss 'UTC'";

    /// <summary>An alert e-mail; the subject is <c>[Severity] Title</c> so mail rules can filter on severity.</summary>
    public static RenderedEmail Alert(AlertEmailFacts facts, string portalBaseUrl)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var baseUrl = BaseUrl(portalBaseUrl);
        var (background, foreground) = BadgeColours(facts.Severity);
        var values = new Dictionary<string, string>
        {
            ["title"] = facts.Title,
            ["policyName"] = facts.PolicyName,
            ["severity"] = facts.Severity.ToString(),
            ["severityBackground"] = background,
            ["severityForeground"] = foreground,
            ["time"] = facts.CreatedAt.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture),
            ["mainUser"] = string.IsNullOrWhiteSpace(facts.MainUser) ? None : facts.MainUser,
            ["ipAddresses"] = List(facts.IpAddresses),
            ["apps"] = List(facts.Apps),
            ["countries"] = List(facts.Countries),
            ["description"] = string.IsNullOrWhiteSpace(facts.Description) ? None : facts.Description,
            ["alertUrl"] = $"{baseUrl}/alerts/{Uri.EscapeDataString(facts.AlertId)}",
            ["policyUrl"] = $"{baseUrl}/policies/{Uri.EscapeDataString(facts.PolicyId)}/edit",
        };
        return Render("Alert", SafeHeaderText($"[{facts.Severity}] {facts.Title}"), values);
    }

    /// <summary>
    /// Sent once when a UTC day's alert e-mails reach the daily limit, so recipients know the silence that follows
    /// is the limit, not a quiet day.
    /// </summary>
    public static RenderedEmail Summary(DateOnly day, int dailyLimit, string portalBaseUrl)
    {
        var dayText = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var count = dailyLimit.ToString(CultureInfo.InvariantCulture);
        var values = new Dictionary<string, string>
        {
            ["day"] = dayText,
            ["limitEmails"] = dailyLimit == 1 ? "1 alert e-mail" : $"{count} alert e-mails",
            ["alertsUrl"] = $"{BaseUrl(portalBaseUrl)}/alerts",
        };
        return Render("Summary", $"[AdminPortal] Alert e-mail limit reached for {dayText}", values);
    }

    /// <summary>Proves the SMTP settings work; names the sender so an unexpected test e-mail can be traced.</summary>
    public static RenderedEmail Test(string sentBy, string portalBaseUrl)
    {
        ArgumentNullException.ThrowIfNull(sentBy);
        var values = new Dictionary<string, string>
        {
            ["sentBy"] = sentBy,
            ["portalUrl"] = BaseUrl(portalBaseUrl),
        };
        return Render("Test", "[AdminPortal] Test e-mail", values);
    }

    /// <summary>
    /// Replaces CR, LF, TAB and every other control character (and Unicode line/paragraph separators) by a single space,
    /// collapsing runs, trims, and cuts to 250 characters: a subject is a header, and a policy name like
    /// <c>"x\r\nBcc: evil@example.com"</c> must never become a header of its own.
    /// </summary>
    public static string SafeHeaderText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var safe = HeaderBreaks().Replace(text, " ").Trim();
        if (safe.Length <= MaxHeaderLength)
            return safe;
        // Don't leave half a surrogate pair at the end.
        var cut = char.IsHighSurrogate(safe[MaxHeaderLength - 1]) ? MaxHeaderLength - 1 : MaxHeaderLength;
        return safe[..cut].TrimEnd();
    }

    private static RenderedEmail Render(string name, string subject, IReadOnlyDictionary<string, string> values) =>
        new(subject, TemplateRenderer.Render(Template($"{name}.html"), values, html: true), TemplateRenderer.Render(Template($"{name}.txt"), values, html: false));

    /// <summary>The portal's base URL without a trailing slash, so links don't get <c>//</c>.</summary>
    private static string BaseUrl(string portalBaseUrl)
    {
        ArgumentNullException.ThrowIfNull(portalBaseUrl);
        return portalBaseUrl.Trim().TrimEnd('/');
    }

    private static string List(IReadOnlyList<string> values)
    {
        var present = values.Where(v => !string.IsNullOrWhiteSpace(v)).ToList();
        return present.Count == 0 ? None : string.Join(", ", present);
    }

    /// <summary>Badge background and text colours; each pair has a contrast ratio of at least 4.5:1 (WCAG AA).</summary>
    private static (string Background, string Foreground) BadgeColours(AlertSeverity severity) => severity switch
    {
        AlertSeverity.High => ("#b91c1c", "#ffffff"),
        AlertSeverity.Medium => ("#c2410c", "#ffffff"),
        AlertSeverity.Low => ("#facc15", "#1f2937"),
        _ => ("#4b5563", "#ffffff"),
    };

    private static readonly ConcurrentDictionary<string, string> Templates = new();

    private static string Template(string file) => Templates.GetOrAdd(file, static file =>
    {
        var resource = $"{typeof(EmailTemplates).Namespace}.Templates.{file}";
        using var stream = typeof(EmailTemplates).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The e-mail template '{resource}' is not embedded in {typeof(EmailTemplates).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    });

    [GeneratedRegex(@"[\p{Cc}\p{Zl}\p{Zp}\s]+")]
    private static partial Regex HeaderBreaks();
}

/// <summary>
/// Replaces <c>{{name}}</c> placeholders in one pass, so a value that itself contains <c>{{…}}</c> is never expanded.
/// Unknown placeholders throw, so a template and its code can't drift apart silently.
/// </summary>
internal static partial class TemplateRenderer
{
    public static string Render(string template, IReadOnlyDictionary<string, string> values, bool html)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(values);
        var placeholders = Placeholder().Matches(template);
        var opened = CountOf(template, "{{");
        if (opened != placeholders.Count)
            throw new InvalidOperationException($"The template has {opened - placeholders.Count} malformed placeholder(s); use {{{{name}}}}.");
        var unknown = placeholders.Select(m => m.Groups["name"].Value).Where(n => !values.ContainsKey(n)).Distinct().ToList();
        if (unknown.Count > 0)
            throw new InvalidOperationException($"The template uses unknown placeholder(s): {string.Join(", ", unknown)}.");
        return Placeholder().Replace(template, m => Encode(values[m.Groups["name"].Value], html));
    }

    /// <summary>
    /// HTML: encoded (also in href attributes, where quotes would otherwise end the attribute); control characters other
    /// than line breaks become spaces, since HTML can't hold them. Text: as-is, but every control character becomes a space,
    /// so a value can't add lines that look like the e-mail's own.
    /// </summary>
    private static string Encode(string value, bool html) =>
        html ? WebUtility.HtmlEncode(HtmlControls().Replace(value, " ")) : Controls().Replace(value, " ");

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal))
            count++;
        return count;
    }

    [GeneratedRegex(@"\{\{(?<name>[A-Za-z][A-Za-z0-9]*)\}\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"[\p{Cc}\u2028\u2029]+")]
    private static partial Regex Controls();

    [GeneratedRegex(@"[\p{Cc}-[\r\n\t]]+")]
    private static partial Regex HtmlControls();
}
