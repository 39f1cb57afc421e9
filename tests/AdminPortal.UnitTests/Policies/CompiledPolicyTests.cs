using AdminPortal.Core.Features.Activities;
using AdminPortal.Core.Features.Policies;
using static AdminPortal.UnitTests.Policies.PolicyTestData;

namespace AdminPortal.UnitTests.Policies;

public sealed class CompiledPolicyTests
{
    private static bool Matches(PolicyCondition condition, Activity activity) =>
        CompiledPolicy.Compile(Policy("p", condition)).Matches(activity);

    private static bool ObjectNameMatches(ConditionOperator op, string values, string? objectName) =>
        Matches(Condition(ActivityFields.ObjectName, op, values.Split('|')), Activity(T0, objectName: objectName));

    private static bool IpMatches(string ranges, string? ip) =>
        Matches(Condition(ActivityFields.IpAddress, ConditionOperator.IpInRange, ranges.Split('|')), Activity(T0, ip: ip));

    [Theory]
    [InlineData(ConditionOperator.Equals, "Report.xlsx", "report.xlsx", true)]
    [InlineData(ConditionOperator.Equals, "REPORT.XLSX", "report.xlsx", true)]
    [InlineData(ConditionOperator.Equals, "report", "report.xlsx", false)]
    [InlineData(ConditionOperator.Equals, "report.xlsx", null, false)]
    [InlineData(ConditionOperator.NotEquals, "Report.XLSX", "report.xlsx", false)]
    [InlineData(ConditionOperator.NotEquals, "a.xlsx|report.xlsx", "REPORT.xlsx", false)]
    [InlineData(ConditionOperator.NotEquals, "a.xlsx", "report.xlsx", true)]
    [InlineData(ConditionOperator.NotEquals, "a.xlsx", null, true)]
    [InlineData(ConditionOperator.InList, "a.xlsx|REPORT.xlsx", "report.xlsx", true)]
    [InlineData(ConditionOperator.InList, "a.xlsx|b.xlsx", "report.xlsx", false)]
    [InlineData(ConditionOperator.InList, "a.xlsx|b.xlsx", null, false)]
    [InlineData(ConditionOperator.Contains, "PORT", "report.xlsx", true)]
    [InlineData(ConditionOperator.Contains, "memo|port", "report.xlsx", true)]
    [InlineData(ConditionOperator.Contains, "memo", "report.xlsx", false)]
    [InlineData(ConditionOperator.Contains, "memo", null, false)]
    [InlineData(ConditionOperator.StartsWith, "REP", "report.xlsx", true)]
    [InlineData(ConditionOperator.StartsWith, "port", "report.xlsx", false)]
    [InlineData(ConditionOperator.StartsWith, "rep", null, false)]
    [InlineData(ConditionOperator.EndsWith, ".XLSX", "report.xlsx", true)]
    [InlineData(ConditionOperator.EndsWith, ".docx|.pdf", "report.xlsx", false)]
    [InlineData(ConditionOperator.EndsWith, ".xlsx", null, false)]
    [InlineData(ConditionOperator.DoesNotEndWith, ".docx", "report.xlsx", true)]
    [InlineData(ConditionOperator.DoesNotEndWith, ".docx|.XLSX", "report.xlsx", false)]
    [InlineData(ConditionOperator.DoesNotEndWith, ".xlsx", null, true)]
    public void EachOperator_ComparesCaseInsensitively_WithItsMissingFieldRule(ConditionOperator op, string values, string? objectName, bool expected) =>
        Assert.Equal(expected, ObjectNameMatches(op, values, objectName));

    [Theory]
    [InlineData("10.0.0.0/8", "10.1.2.3", true)]
    [InlineData("10.0.0.0/8", "10.255.255.255", true)]
    [InlineData("10.0.0.0/8", "11.0.0.0", false)]
    [InlineData("203.0.113.0/24", "203.0.113.77", true)]
    [InlineData("203.0.113.0/24", "203.0.114.1", false)]
    [InlineData("198.51.100.0/24|203.0.113.0/24", "203.0.113.9", true)]
    [InlineData("203.0.113.9/32", "203.0.113.9", true)]
    [InlineData("0.0.0.0/0", "8.8.8.8", true)]
    [InlineData("2001:db8::/32", "2001:db8::1", true)]
    [InlineData("2001:db8::/32", "2001:DB8:ffff::1", true)]
    [InlineData("2001:db8::/32", "2001:db9::1", false)]
    [InlineData("10.0.0.0/8", "::ffff:10.1.2.3", true)]
    [InlineData("10.0.0.0/8", "::ffff:11.1.2.3", false)]
    [InlineData("10.0.0.0/8", "2001:db8::1", false)]
    [InlineData("2001:db8::/32", "10.1.2.3", false)]
    [InlineData("10.0.0.0/8", "not-an-ip", false)]
    [InlineData("10.0.0.0/8", null, false)]
    public void IpInRange_MatchesAddressesInsideAnyCidrRange(string ranges, string? ip, bool expected) =>
        Assert.Equal(expected, IpMatches(ranges, ip));

    [Fact]
    public void Values_AreTrimmed_AndBlankOnesIgnored() =>
        Assert.True(Matches(Condition(ActivityFields.ActivityType, ConditionOperator.InList, " FileDownload ", "", "  "), Activity(T0)));

    [Theory]
    [InlineData(ActivityFields.App, "SharePoint")]
    [InlineData(ActivityFields.ActivityType, "FileDownload")]
    [InlineData(ActivityFields.User, "ada@contoso.com")]
    [InlineData(ActivityFields.IpAddress, "203.0.113.5")]
    [InlineData(ActivityFields.Country, "NL")]
    [InlineData(ActivityFields.Device, "Windows")]
    [InlineData(ActivityFields.ObjectName, "report.xlsx")]
    [InlineData(ActivityFields.ObjectId, "file-1")]
    [InlineData(ActivityFields.TargetUser, "eve@fabrikam.com")]
    public void EachActivityField_ReadsItsOwnProperty(string field, string value)
    {
        var activity = Activity(T0, device: "Windows", objectId: "file-1", targetUser: "eve@fabrikam.com");

        Assert.True(Matches(Condition(field, ConditionOperator.Equals, value), activity));
        foreach (var other in ActivityFields.All.Where(f => f != field))
            Assert.False(Matches(Condition(other, ConditionOperator.Equals, value), activity), $"{other} should not read {field}'s value");
    }

    [Fact]
    public void EveryActivityField_HasAReader() =>
        Assert.All(ActivityFields.All, field => Assert.NotNull(ActivityFields.Reader(field)));

    [Fact]
    public void Conditions_CombineWithAnd()
    {
        var policy = CompiledPolicy.Compile(Policy("p",
            Condition(ActivityFields.ActivityType, ConditionOperator.Equals, "FileDownload"),
            Condition(ActivityFields.IpAddress, ConditionOperator.IpInRange, "203.0.113.0/24"),
            Condition(ActivityFields.Country, ConditionOperator.InList, "NL", "BE")));

        Assert.True(policy.Matches(Activity(T0)));
        Assert.False(policy.Matches(Activity(T0, type: "FileUpload")));
        Assert.False(policy.Matches(Activity(T0, ip: "198.51.100.1")));
        Assert.False(policy.Matches(Activity(T0, country: "US")));
    }

    [Fact]
    public void Compile_CopiesThePolicySettings()
    {
        var source = Policy("Mass download");
        source.Severity = AdminPortal.Core.Features.Alerts.AlertSeverity.Low;
        source.Category = PolicyCategory.InformationProtection;
        source.Type = PolicyType.File;
        source.Threshold = new RepeatThreshold { Count = 30, WindowMinutes = 5 };
        source.AlertSettings = new PolicyAlertSettings { CreateAlertForEachMatch = false, DailyAlertLimit = 7 };
        source.Playbooks = [new PolicyPlaybook { PolicyId = source.Id, PlaybookId = Guid.NewGuid() }];

        var compiled = CompiledPolicy.Compile(source);

        Assert.Equal((source.Id, source.Version, "Mass download"), (compiled.Id, compiled.Version, compiled.Name));
        Assert.Equal((source.Severity, source.Category, source.Type), (compiled.Severity, compiled.Category, compiled.Type));
        Assert.Equal((30, 5), (compiled.Threshold!.Count, compiled.Threshold.WindowMinutes));
        Assert.False(compiled.CreateAlerts);
        Assert.Equal(7, compiled.DailyAlertLimit);
        Assert.Equal([source.Playbooks[0].PlaybookId], compiled.PlaybookIds);
    }

    [Theory]
    [InlineData(0, 5)]
    [InlineData(10, 0)]
    public void AnUnusableThreshold_MeansEveryMatchCounts(int count, int minutes)
    {
        var source = Policy();
        source.Threshold = new RepeatThreshold { Count = count, WindowMinutes = minutes };

        Assert.Null(CompiledPolicy.Compile(source).Threshold);
    }

    [Fact]
    public void Compile_APolicyWithoutConditions_Throws()
    {
        var source = Policy();
        source.Conditions.Clear();

        Assert.Throws<ArgumentException>(() => CompiledPolicy.Compile(source));
    }

    [Fact]
    public void Compile_AnUnknownField_Throws() =>
        Assert.Throws<ArgumentException>(() => CompiledPolicy.Compile(Policy("p", Condition("severity", ConditionOperator.Equals, "1"))));

    [Fact]
    public void Compile_AConditionWithOnlyBlankValues_Throws() =>
        Assert.Throws<ArgumentException>(() => CompiledPolicy.Compile(Policy("p", Condition(ActivityFields.App, ConditionOperator.Equals, " ", ""))));

    /// <summary>The catalog skips a policy that throws ArgumentException or FormatException, and nothing else.</summary>
    [Theory]
    [InlineData("abc")]
    [InlineData("300.1.1.1/24")]
    [InlineData("10.0.0.0/33")]
    public void Compile_AnInvalidCidrRange_ThrowsWhatTheCatalogSkips(string range)
    {
        var e = Record.Exception(() => CompiledPolicy.Compile(Policy("p", Condition(ActivityFields.IpAddress, ConditionOperator.IpInRange, range))));

        Assert.True(e is ArgumentException or FormatException, $"Expected ArgumentException or FormatException, got {e?.GetType().Name ?? "nothing"}");
    }
}
