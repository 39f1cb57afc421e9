using System.Text.Json;
using AdminPortal.Core.Features.Activities;
using Microsoft.Extensions.Time.Testing;

namespace AdminPortal.UnitTests.Activities;

/// <summary>Reading, checking and normalising one ingested activity.</summary>
public sealed class ActivityInputTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Now);

    private const string Valid = """{"timestamp": 1772445600000, "app": "SharePoint", "activityType": "FileDownload", "user": "ada@contoso.com"}""";

    private static JsonElement Json(string json) => JsonSerializer.Deserialize<JsonElement>(json);

    /// <summary>Reads an item and checks it as the ingest service does: type errors first, then the validator's.</summary>
    private (ActivityInput Input, Dictionary<string, string[]> Errors) Check(string json)
    {
        var (input, errors) = ActivityInput.Read(Json(json));
        foreach (var failure in new ActivityInputValidator(_time).Validate(input).Errors.GroupBy(f => f.PropertyName))
            errors.TryAdd(failure.Key, failure.Select(f => f.ErrorMessage).ToArray());
        return (input, errors);
    }

    private Activity Accept(string json)
    {
        var (input, errors) = Check(json);
        Assert.True(errors.Count == 0, "Expected the item to be accepted, but: " + string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" | ", e.Value)}")));
        return input.ToActivity(json, Now);
    }

    private static string With(string property, string value) => Valid[..^1] + $", \"{property}\": {value}}}";

    [Fact]
    public void ACompleteItem_IsReadIntoEveryField()
    {
        var activity = Accept("""
            {"timestamp": 1772445600000, "app": "SharePoint", "activityType": "FileShare", "user": "ada@contoso.com",
             "ipAddress": "203.0.113.5", "country": "NL", "device": "Windows 11", "objectName": "Q3 report.xlsx",
             "objectId": "file-1", "targetUser": "eve@fabrikam.com"}
            """);

        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1772445600000), activity.Timestamp);
        Assert.Equal(("SharePoint", "FileShare", "ada@contoso.com"), (activity.App, activity.ActivityType, activity.User));
        Assert.Equal(("203.0.113.5", "NL", "Windows 11"), (activity.IpAddress, activity.Country, activity.Device));
        Assert.Equal(("Q3 report.xlsx", "file-1", "eve@fabrikam.com"), (activity.ObjectName, activity.ObjectId, activity.TargetUser));
        Assert.Equal(Now, activity.IngestedAt);
    }

    [Fact]
    public void AMinimalItem_IsAccepted_WithOptionalFieldsNull()
    {
        var activity = Accept(Valid);

        Assert.Null(activity.IpAddress);
        Assert.Null(activity.Country);
        Assert.Null(activity.Device);
        Assert.Null(activity.ObjectName);
        Assert.Null(activity.ObjectId);
        Assert.Null(activity.TargetUser);
    }

    [Fact]
    public void AnEmptyItem_IsRefused_NamingEveryRequiredField()
    {
        var (_, errors) = Check("{}");

        Assert.Equal(["activityType", "app", "timestamp", "user"], errors.Keys.Order());
        Assert.Equal(["user is required."], errors["user"]);
    }

    [Theory]
    [InlineData("app")]
    [InlineData("activityType")]
    [InlineData("user")]
    public void ARequiredFieldThatIsBlankOrNull_IsRefused(string field)
    {
        foreach (var value in new[] { "\"\"", "\"   \"", "null" })
        {
            var (_, errors) = Check(Valid.Replace($"\"{field}\": \"", $"\"{field}\": {value}, \"ignored\": \""));

            Assert.Equal([field], errors.Keys);
            Assert.Equal([$"{field} is required."], errors[field]);
        }
    }

    [Fact]
    public void AMissingTimestamp_IsRefused() =>
        Assert.Equal(["timestamp"], Check("""{"app": "a", "activityType": "t", "user": "u"}""").Errors.Keys);

    [Theory]
    [InlineData("app", "5")]
    [InlineData("activityType", "true")]
    [InlineData("user", "{\"upn\": \"ada@contoso.com\"}")]
    [InlineData("ipAddress", "[\"203.0.113.5\"]")]
    [InlineData("country", "31")]
    [InlineData("device", "false")]
    [InlineData("objectName", "1.5")]
    [InlineData("objectId", "42")]
    [InlineData("targetUser", "[]")]
    public void AValueOfTheWrongJsonType_IsRefused_NamingTheField(string field, string value)
    {
        var json = field is "app" or "activityType" or "user"
            ? Valid.Replace($"\"{field}\": \"", $"\"{field}\": {value}, \"ignored\": \"")
            : With(field, value);

        var (_, typeErrors) = ActivityInput.Read(Json(json));
        var (_, errors) = Check(json);

        Assert.Equal([$"{field} must be a string."], typeErrors[field]);
        Assert.Equal([field], errors.Keys);
        Assert.Equal([$"{field} must be a string."], errors[field]);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"activity\"")]
    [InlineData("null")]
    [InlineData("42")]
    public void AnItemThatIsNotAnObject_IsRefused(string json) =>
        Assert.Equal(["item"], ActivityInput.Read(Json(json)).TypeErrors.Keys);

    [Theory]
    [InlineData("1772445600000", "2026-03-02T10:00:00+00:00")]
    [InlineData("\"2026-03-02T10:00:00Z\"", "2026-03-02T10:00:00+00:00")]
    [InlineData("\"2026-03-02T10:00:00.123z\"", "2026-03-02T10:00:00.123+00:00")]
    [InlineData("\"2026-03-02T11:00:00+01:00\"", "2026-03-02T10:00:00+00:00")]
    [InlineData("\"2026-03-02T05:00:00-05:00\"", "2026-03-02T10:00:00+00:00")]
    [InlineData("\"2026-03-02T10:00:00.5+00:00\"", "2026-03-02T10:00:00.5+00:00")]
    public void TheTimestamp_IsEpochMillisecondsOrIsoWithAnOffset_StoredAsUtc(string timestamp, string expected)
    {
        var activity = Accept(Valid.Replace("1772445600000", timestamp));

        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), activity.Timestamp);
        Assert.Equal(TimeSpan.Zero, activity.Timestamp.Offset);
    }

    [Theory]
    [InlineData("\"2026-03-02T10:00:00\"")]
    [InlineData("\"2026-03-02 10:00:00\"")]
    [InlineData("\"2026-03-02\"")]
    [InlineData("\"03/02/2026 10:00\"")]
    [InlineData("\"1772445600000\"")]
    [InlineData("\"yesterday\"")]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("1772445600000.5")]
    [InlineData("253402300800000")]
    [InlineData("true")]
    [InlineData("{}")]
    public void ATimestampThatIsNotMillisecondsOrIsoWithAnOffset_IsRefused(string timestamp)
    {
        var (_, errors) = Check(Valid.Replace("1772445600000", timestamp));

        Assert.Equal(["timestamp"], errors.Keys);
        Assert.Contains("offset", Assert.Single(errors["timestamp"]));
    }

    [Fact]
    public void ATimestampUpToADayAhead_IsAccepted() =>
        Accept(Valid.Replace("1772445600000", $"{(Now + TimeSpan.FromDays(1)).ToUnixTimeMilliseconds()}"));

    [Fact]
    public void ATimestampMoreThanADayAhead_IsRefused()
    {
        var (_, errors) = Check(Valid.Replace("1772445600000", $"{(Now + TimeSpan.FromDays(1)).ToUnixTimeMilliseconds() + 1}"));

        Assert.Equal(["timestamp is more than a day in the future."], errors["timestamp"]);
    }

    [Fact]
    public void TheFutureLimit_FollowsTheClock()
    {
        var tomorrowAndAnHour = Valid.Replace("1772445600000", $"{Now.AddDays(1).AddHours(1).ToUnixTimeMilliseconds()}");
        Assert.Contains("timestamp", Check(tomorrowAndAnHour).Errors.Keys);

        _time.Advance(TimeSpan.FromHours(2));

        Assert.Empty(Check(tomorrowAndAnHour).Errors);
    }

    [Fact]
    public void ATimestampBefore2000_IsRefused() =>
        Assert.Equal(["timestamp is before the year 2000."], Check(Valid.Replace("1772445600000", "\"1999-12-31T23:59:59Z\"")).Errors["timestamp"]);

    [Theory]
    [InlineData("203.0.113.5", "203.0.113.5")]
    [InlineData(" 203.0.113.5 ", "203.0.113.5")]
    [InlineData("2001:DB8:0:0:0:0:0:1", "2001:db8::1")]
    [InlineData("2001:db8::0001", "2001:db8::1")]
    [InlineData("::FFFF:10.1.2.3", "::ffff:10.1.2.3")]
    public void TheIpAddress_IsNormalised(string ip, string expected) =>
        Assert.Equal(expected, Accept(With("ipAddress", $"\"{ip}\"")).IpAddress);

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void ABlankIpAddress_IsStoredAsNone(string ip) =>
        Assert.Null(Accept(With("ipAddress", $"\"{ip}\"")).IpAddress);

    [Theory]
    [InlineData("abc")]
    [InlineData("300.1.1.1")]
    [InlineData("203.0.113.5:443")]
    [InlineData("203.0.113.0/24")]
    [InlineData("2001:db8::g")]
    public void AnIpAddressThatIsNotOne_IsRefused(string ip)
    {
        var (_, errors) = Check(With("ipAddress", $"\"{ip}\""));

        Assert.Equal(["ipAddress"], errors.Keys);
        Assert.Contains($"'{ip}'", Assert.Single(errors["ipAddress"]));
    }

    /// <summary>Legacy inet_aton short forms: "10.1" would be stored as 10.0.0.1 and "12345" as 0.0.48.57.</summary>
    [Theory]
    [InlineData("10.1")]
    [InlineData("203.0.113")]
    [InlineData("12345")]
    [InlineData("0x0A000001")]
    public void AShortFormIpv4Address_IsRefused_NotReinterpreted(string ip) =>
        Assert.Equal(["ipAddress"], Check(With("ipAddress", $"\"{ip}\"")).Errors.Keys);

    [Theory]
    [InlineData("nl", "NL")]
    [InlineData(" Us ", "US")]
    [InlineData("KP", "KP")]
    public void TheCountry_IsUpperCased(string country, string expected) =>
        Assert.Equal(expected, Accept(With("country", $"\"{country}\"")).Country);

    [Theory]
    [InlineData("NLD")]
    [InlineData("N")]
    [InlineData("N1")]
    [InlineData("Netherlands")]
    [InlineData("ÑL")]
    public void ACountryThatIsNotTwoLetters_IsRefused(string country) =>
        Assert.Equal(["country"], Check(With("country", $"\"{country}\"")).Errors.Keys);

    [Fact]
    public void TheUserAndTargetUser_AreTrimmedAndLowerCased()
    {
        var activity = Accept(Valid.Replace("\"ada@contoso.com\"", "\" Ada@Contoso.COM \"")[..^1] + ", \"targetUser\": \"Eve@Fabrikam.com\"}");

        Assert.Equal("ada@contoso.com", activity.User);
        Assert.Equal("eve@fabrikam.com", activity.TargetUser);
    }

    [Fact]
    public void TextFields_AreTrimmed_KeepingTheirCase()
    {
        var activity = Accept("""
            {"timestamp": 1772445600000, "app": " SharePoint ", "activityType": " FileDownload ", "user": "ada@contoso.com",
             "device": " iPhone ", "objectName": " Q3 Report.xlsx ", "objectId": " ID-1 "}
            """);

        Assert.Equal(("SharePoint", "FileDownload"), (activity.App, activity.ActivityType));
        Assert.Equal(("iPhone", "Q3 Report.xlsx", "ID-1"), (activity.Device, activity.ObjectName, activity.ObjectId));
    }

    [Theory]
    [InlineData("app", 128)]
    [InlineData("activityType", 128)]
    [InlineData("user", 256)]
    [InlineData("device", 256)]
    [InlineData("objectName", 1024)]
    [InlineData("objectId", 256)]
    [InlineData("targetUser", 256)]
    public void AValueOverItsMaximumLength_IsRefused(string field, int max)
    {
        string Item(int length) => field is "app" or "activityType" or "user"
            ? Valid.Replace($"\"{field}\": \"", $"\"{field}\": \"{new string('x', length)}\", \"ignored\": \"")
            : With(field, $"\"{new string('x', length)}\"");

        Assert.Empty(Check(Item(max)).Errors);
        Assert.Equal([field], Check(Item(max + 1)).Errors.Keys);
    }

    [Fact]
    public void UnknownFields_AreIgnored_AndKeptInTheRawJson()
    {
        var json = With("sessionId", """{"id": "abc", "risk": [1, 2]}""");

        var activity = Accept(json);

        Assert.Equal(json, activity.Raw);
        Assert.Equal("abc", JsonDocument.Parse(activity.Raw).RootElement.GetProperty("sessionId").GetProperty("id").GetString());
    }

    [Fact]
    public void FieldNames_AreCaseSensitive() =>
        Assert.Contains("user", Check("""{"timestamp": 1772445600000, "app": "a", "activityType": "t", "User": "ada@contoso.com"}""").Errors.Keys);

    [Fact]
    public void TheId_IsAVersion7GuidFromTheIngestTime()
    {
        var activity = Accept(Valid);

        Assert.Equal(7, activity.Id.Version);
    }
}
