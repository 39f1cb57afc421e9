using System.Globalization;
using System.Text.Json;
using FluentValidation;

namespace AdminPortal.Core.Features.Activities;

/// <summary>One ingested item as read from JSON, before it is checked; see <see cref="ActivityInputValidator"/>.</summary>
public sealed class ActivityInput
{
    public DateTimeOffset? Timestamp { get; set; }
    public string? App { get; set; }
    public string? ActivityType { get; set; }
    public string? User { get; set; }
    public string? IpAddress { get; set; }
    public string? Country { get; set; }
    public string? Device { get; set; }
    public string? ObjectName { get; set; }
    public string? ObjectId { get; set; }
    public string? TargetUser { get; set; }

    /// <summary>Reads an item; values of the wrong JSON type are reported by field name, not guessed at.</summary>
    public static (ActivityInput Input, Dictionary<string, string[]> TypeErrors) Read(JsonElement item)
    {
        var input = new ActivityInput();
        var errors = new Dictionary<string, string[]>();
        if (item.ValueKind != JsonValueKind.Object)
        {
            errors["item"] = ["Each activity must be a JSON object."];
            return (input, errors);
        }
        foreach (var property in item.EnumerateObject())
        {
            switch (property.Name)
            {
                case "timestamp":
                    input.Timestamp = ReadTimestamp(property.Value);
                    if (input.Timestamp is null && property.Value.ValueKind != JsonValueKind.Null)
                        errors["timestamp"] = ["timestamp must be Unix epoch milliseconds or an ISO 8601 date-time with an offset."];
                    break;
                case "app": input.App = ReadString(property, errors); break;
                case "activityType": input.ActivityType = ReadString(property, errors); break;
                case "user": input.User = ReadString(property, errors); break;
                case "ipAddress": input.IpAddress = ReadString(property, errors); break;
                case "country": input.Country = ReadString(property, errors); break;
                case "device": input.Device = ReadString(property, errors); break;
                case "objectName": input.ObjectName = ReadString(property, errors); break;
                case "objectId": input.ObjectId = ReadString(property, errors); break;
                case "targetUser": input.TargetUser = ReadString(property, errors); break;
                // Anything else is kept in Raw.
            }
        }
        return (input, errors);
    }

    public Activity ToActivity(string raw, DateTimeOffset ingestedAt) => new()
    {
        Id = Guid.CreateVersion7(ingestedAt),
        Timestamp = Timestamp!.Value.ToUniversalTime(),
        App = App!.Trim(),
        ActivityType = ActivityType!.Trim(),
        // UPNs compare case-insensitively everywhere else; store them one way so thresholds count one user once.
        User = User!.Trim().ToLowerInvariant(),
        IpAddress = IpAddresses.TryParse(IpAddress, out var ip) ? ip.ToString() : null,
        Country = Blank(Country) ? null : Country!.Trim().ToUpperInvariant(),
        Device = Blank(Device) ? null : Device!.Trim(),
        ObjectName = Blank(ObjectName) ? null : ObjectName!.Trim(),
        ObjectId = Blank(ObjectId) ? null : ObjectId!.Trim(),
        TargetUser = Blank(TargetUser) ? null : TargetUser!.Trim().ToLowerInvariant(),
        Raw = raw,
        IngestedAt = ingestedAt,
    };

    internal static bool Blank(string? value) => string.IsNullOrWhiteSpace(value);

    private static string? ReadString(JsonProperty property, Dictionary<string, string[]> errors)
    {
        switch (property.Value.ValueKind)
        {
            case JsonValueKind.String:
                return property.Value.GetString();
            case JsonValueKind.Null:
                return null;
            default:
                errors[property.Name] = [$"{property.Name} must be a string."];
                return null;
        }
    }

    private static DateTimeOffset? ReadTimestamp(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var ms) && ms is > 0 and < 253_402_300_800_000)
            return DateTimeOffset.FromUnixTimeMilliseconds(ms);
        // Text needs an explicit offset: a local time would be read differently on every server.
        if (value.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed)
            && HasOffset(value.GetString()!))
            return parsed;
        return null;
    }

    private static bool HasOffset(string text) =>
        text.EndsWith('Z') || text.EndsWith('z') || (text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':');
}

public sealed class ActivityInputValidator : AbstractValidator<ActivityInput>
{
    /// <summary>Clocks drift; an activity a day ahead of ours is a wrong timestamp, not an early event.</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromDays(1);

    public ActivityInputValidator(TimeProvider time)
    {
        RuleFor(a => a.Timestamp).NotNull().WithMessage("timestamp is required (Unix epoch milliseconds).")
            .Must(t => t is null || t <= time.GetUtcNow() + MaxClockSkew).WithMessage("timestamp is more than a day in the future.")
            .Must(t => t is null || t.Value.Year >= 2000).WithMessage("timestamp is before the year 2000.")
            .OverridePropertyName("timestamp");
        Required(a => a.App, "app", 128);
        Required(a => a.ActivityType, "activityType", 128);
        Required(a => a.User, "user", 256);
        RuleFor(a => a.IpAddress).Must(ip => ActivityInput.Blank(ip) || IpAddresses.TryParse(ip, out _))
            .WithMessage(a => $"ipAddress '{a.IpAddress}' is not an IPv4 or IPv6 address.").OverridePropertyName("ipAddress");
        RuleFor(a => a.Country).Must(c => ActivityInput.Blank(c) || c!.Trim() is { Length: 2 } code && code.All(char.IsAsciiLetter))
            .WithMessage(a => $"country '{a.Country}' is not an ISO-3166 alpha-2 code such as NL or US.").OverridePropertyName("country");
        Optional(a => a.Device, "device", 256);
        Optional(a => a.ObjectName, "objectName", 1024);
        Optional(a => a.ObjectId, "objectId", 256);
        Optional(a => a.TargetUser, "targetUser", 256);
    }

    private void Required(System.Linq.Expressions.Expression<Func<ActivityInput, string?>> field, string name, int maxLength) =>
        RuleFor(field).Must(v => !ActivityInput.Blank(v)).WithMessage($"{name} is required.")
            .Must(v => v is null || v.Trim().Length <= maxLength).WithMessage($"{name} can have at most {maxLength} characters.")
            .OverridePropertyName(name);

    private void Optional(System.Linq.Expressions.Expression<Func<ActivityInput, string?>> field, string name, int maxLength) =>
        RuleFor(field).Must(v => v is null || v.Trim().Length <= maxLength).WithMessage($"{name} can have at most {maxLength} characters.")
            .OverridePropertyName(name);
}
