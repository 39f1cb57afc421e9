using AdminPortal.Core.Features.Policies;
using FluentValidation.Results;

namespace AdminPortal.UnitTests.Policies;

public sealed class PolicyValidatorTests
{
    private readonly PolicyValidator _validator = new();

    private static ConditionDraft Condition(string field, ConditionOperator op, params string[] values) =>
        new() { Field = field, Operator = op, Values = [.. values] };

    private static PolicyDraft Draft(params ConditionDraft[] conditions) => new()
    {
        Name = "Downloads from risky ranges",
        Conditions = conditions.Length > 0 ? [.. conditions] : [Condition(ActivityFields.ActivityType, ConditionOperator.Equals, "FileDownload")],
    };

    private ValidationResult Validate(PolicyDraft draft) => _validator.Validate(draft);

    /// <summary>The names of the properties with errors, so a test sees every failure, not just the one it expects.</summary>
    private static string[] Properties(ValidationResult result) => result.Errors.Select(e => e.PropertyName).Distinct().Order().ToArray();

    private void AssertOnlyErrorOn(PolicyDraft draft, string property)
    {
        var result = Validate(draft);
        Assert.Equal([property], Properties(result));
    }

    [Fact]
    public void AnOrdinaryDraft_IsValid() => Assert.Empty(Properties(Validate(Draft())));

    [Theory]
    [InlineData("10.0.0.1/8")]     // host bits set: not a network address
    [InlineData("203.0.113.7/24")] // host bits set
    [InlineData("300.1.1.1/24")]
    [InlineData("abc")]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0.0/")]
    [InlineData("10.0.0.1")]
    [InlineData("2001:db8::1/32")] // host bits set
    [InlineData("2001:db8::/129")]
    public void IpInRange_WithABadCidrRange_IsRefused_NamingTheRange(string range)
    {
        var draft = Draft(
            Condition(ActivityFields.ActivityType, ConditionOperator.Equals, "FileDownload"),
            Condition(ActivityFields.IpAddress, ConditionOperator.IpInRange, "198.51.100.0/24", range));

        var result = Validate(draft);

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("Conditions[1].Values", error.PropertyName);
        Assert.Contains($"'{range}'", error.ErrorMessage);
    }

    /// <summary>The form shows the error under the condition's values box: the key must not carry the value's index.</summary>
    [Fact]
    public void ABadCidrRange_IsReportedOnConditionsIValues()
    {
        var draft = Draft(
            Condition(ActivityFields.ActivityType, ConditionOperator.Equals, "FileDownload"),
            Condition(ActivityFields.IpAddress, ConditionOperator.IpInRange, "198.51.100.0/24", "abc"));

        Assert.Equal(["Conditions[1].Values"], Properties(Validate(draft)));
    }

    [Theory]
    [InlineData("10.0.0.0/8")]
    [InlineData("203.0.113.0/24")]
    [InlineData("203.0.113.9/32")]
    [InlineData(" 198.51.100.0/24 ")]
    [InlineData("0.0.0.0/0")]
    [InlineData("2001:db8::/32")]
    [InlineData("::/0")]
    public void IpInRange_WithAGoodCidrRange_IsValid(string range) =>
        Assert.Empty(Properties(Validate(Draft(Condition(ActivityFields.IpAddress, ConditionOperator.IpInRange, range)))));

    [Fact]
    public void NoConditions_AreRefused()
    {
        var draft = Draft();
        draft.Conditions.Clear();

        AssertOnlyErrorOn(draft, "Conditions");
    }

    [Fact]
    public void TwentyOneConditions_AreRefused()
    {
        var draft = Draft([.. Enumerable.Range(0, 21).Select(i => Condition(ActivityFields.App, ConditionOperator.NotEquals, $"app{i}"))]);

        AssertOnlyErrorOn(draft, "Conditions");
    }

    [Theory]
    [InlineData(ActivityFields.Country)]
    [InlineData(ActivityFields.User)]
    [InlineData(ActivityFields.ObjectName)]
    public void IpInRange_OnAFieldThatIsNotTheIpAddress_IsRefusedOnTheOperator(string field) =>
        AssertOnlyErrorOn(Draft(Condition(field, ConditionOperator.IpInRange, "10.0.0.0/8")), "Conditions[0].Operator");

    [Theory]
    [InlineData(ConditionOperator.Equals)]
    [InlineData(ConditionOperator.NotEquals)]
    [InlineData(ConditionOperator.InList)]
    [InlineData(ConditionOperator.Contains)]
    [InlineData(ConditionOperator.StartsWith)]
    [InlineData(ConditionOperator.EndsWith)]
    [InlineData(ConditionOperator.DoesNotEndWith)]
    public void TextOperators_OnTheIpAddress_AreValid(ConditionOperator op) =>
        Assert.Empty(Properties(Validate(Draft(Condition(ActivityFields.IpAddress, op, "203.0.113.5")))));

    [Fact]
    public void AnUndefinedOperator_IsRefused() =>
        AssertOnlyErrorOn(Draft(Condition(ActivityFields.App, (ConditionOperator)99, "x")), "Conditions[0].Operator");

    [Theory]
    [InlineData("severity")]
    [InlineData("App")]
    [InlineData("")]
    public void AnUnknownField_IsRefusedOnTheField(string field)
    {
        var result = Validate(Draft(Condition(field, ConditionOperator.Equals, "x")));

        Assert.Equal(["Conditions[0].Field"], Properties(result));
        Assert.Contains("activityType", Assert.Single(result.Errors).ErrorMessage);
    }

    [Fact]
    public void Equals_WithTwoValues_IsRefusedOnTheValues()
    {
        var result = Validate(Draft(Condition(ActivityFields.ActivityType, ConditionOperator.Equals, "FileDownload", "FileUpload")));

        Assert.Equal(["Conditions[0].Values"], Properties(result));
        Assert.Contains("is in list", Assert.Single(result.Errors).ErrorMessage);
    }

    [Fact]
    public void Equals_WithOneValueAndBlanks_IsValid() =>
        Assert.Empty(Properties(Validate(Draft(Condition(ActivityFields.ActivityType, ConditionOperator.Equals, "FileDownload", " ", "")))));

    [Theory]
    [InlineData]
    [InlineData("")]
    [InlineData(" ", "\t")]
    public void AConditionWithoutAValue_IsRefusedOnTheValues(params string[] values) =>
        AssertOnlyErrorOn(Draft(Condition(ActivityFields.App, ConditionOperator.InList, values)), "Conditions[0].Values");

    [Fact]
    public void AValueLongerThan512Characters_IsRefused() =>
        AssertOnlyErrorOn(Draft(Condition(ActivityFields.ObjectName, ConditionOperator.Contains, new string('x', 513))), "Conditions[0].Values");

    [Fact]
    public void MoreThanAThousandValues_AreRefused() =>
        AssertOnlyErrorOn(Draft(Condition(ActivityFields.User, ConditionOperator.InList, [.. Enumerable.Range(0, 1001).Select(i => $"u{i}@contoso.com")])), "Conditions[0].Values");

    [Theory]
    [InlineData(1, 5, "ThresholdCount")]
    [InlineData(0, 5, "ThresholdCount")]
    [InlineData(10_001, 5, "ThresholdCount")]
    [InlineData(10, 0, "ThresholdWindowMinutes")]
    [InlineData(10, -5, "ThresholdWindowMinutes")]
    [InlineData(10, 10_081, "ThresholdWindowMinutes")]
    public void AThresholdOutOfRange_IsRefused(int count, int minutes, string property)
    {
        var draft = Draft();
        (draft.UseThreshold, draft.ThresholdCount, draft.ThresholdWindowMinutes) = (true, count, minutes);

        AssertOnlyErrorOn(draft, property);
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(10_000, 10_080)]
    public void AThresholdAtTheEndsOfItsRange_IsValid(int count, int minutes)
    {
        var draft = Draft();
        (draft.UseThreshold, draft.ThresholdCount, draft.ThresholdWindowMinutes) = (true, count, minutes);

        Assert.Empty(Properties(Validate(draft)));
    }

    [Fact]
    public void AnUnusedThreshold_IsNotChecked()
    {
        var draft = Draft();
        (draft.UseThreshold, draft.ThresholdCount, draft.ThresholdWindowMinutes) = (false, 1, 0);

        Assert.Empty(Properties(Validate(draft)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(1001)]
    public void ADailyLimitOutOfRange_IsRefused(int limit)
    {
        var draft = Draft();
        draft.AlertSettings.DailyAlertLimit = limit;

        AssertOnlyErrorOn(draft, "AlertSettings.DailyAlertLimit");
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void ABlankName_IsRefused(string name)
    {
        var draft = Draft();
        draft.Name = name;

        AssertOnlyErrorOn(draft, "Name");
    }

    [Fact]
    public void ANameOver200Characters_IsRefused()
    {
        var draft = Draft();
        draft.Name = new string('n', 201);

        AssertOnlyErrorOn(draft, "Name");
    }

    [Fact]
    public void UndefinedEnums_AreRefused()
    {
        var draft = Draft();
        draft.Type = (PolicyType)42;
        draft.Category = (PolicyCategory)42;
        draft.Severity = (AdminPortal.Core.Features.Alerts.AlertSeverity)42;

        Assert.Equal(["Category", "Severity", "Type"], Properties(Validate(draft)));
    }

    [Fact]
    public void AValidatedDraft_Compiles_WithTrimmedValues()
    {
        var draft = Draft(Condition(ActivityFields.IpAddress, ConditionOperator.IpInRange, " 203.0.113.0/24 ", ""));
        Assert.Empty(Properties(Validate(draft)));
        var policy = new Policy { Name = "x" };

        draft.ApplyTo(policy);

        Assert.Equal(["203.0.113.0/24"], Assert.Single(policy.Conditions).Values);
        Assert.True(CompiledPolicy.Compile(policy).Matches(PolicyTestData.Activity(PolicyTestData.T0, ip: "203.0.113.200")));
    }
}
