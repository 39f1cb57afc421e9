using AdminPortal.Core.Features.Policies;

namespace AdminPortal.UnitTests.Policies;

public sealed class PolicyAlertSettingsValidatorTests
{
    private readonly PolicyAlertSettingsValidator _validator = new();

    private string[] ErrorProperties(PolicyAlertSettingsDraft settings) =>
        _validator.Validate(settings).Errors.Select(e => e.PropertyName).Distinct().ToArray();

    [Fact]
    public void TheDefaults_AreValid() => Assert.Empty(ErrorProperties(new PolicyAlertSettingsDraft()));

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(1000)]
    public void ADailyLimitFromOneToAThousand_IsValid(int limit) =>
        Assert.Empty(ErrorProperties(new PolicyAlertSettingsDraft { DailyAlertLimit = limit }));

    [Theory]
    [InlineData(0)]
    [InlineData(1001)]
    public void ADailyLimitOutsideOneToAThousand_IsRefused(int limit) =>
        Assert.Equal(["DailyAlertLimit"], ErrorProperties(new PolicyAlertSettingsDraft { DailyAlertLimit = limit }));

    [Theory]
    [InlineData("ada@contoso.com")]
    [InlineData(" ada@contoso.com ")]
    [InlineData("soc-team+alerts@sub.contoso.com")]
    [InlineData("")]
    [InlineData("   ")]
    public void APlainAddressOrABlankLine_IsAccepted(string recipient)
    {
        Assert.True(PolicyAlertSettingsValidator.IsEmailAddress(recipient));
        Assert.Empty(ErrorProperties(new PolicyAlertSettingsDraft { EmailRecipients = ["soc@contoso.com", recipient] }));
    }

    [Theory]
    [InlineData("not-an-address")]
    [InlineData("ada@")]
    [InlineData("@contoso.com")]
    [InlineData("ada..lovelace@contoso.com")]
    [InlineData("ada.@contoso.com")]
    [InlineData("ada@contoso.com\r\nBcc: x@y.com")]
    [InlineData("ada@contoso.com\nBcc: x@y.com")]
    [InlineData("ada@contoso.com\rBcc:x@y.com")]
    [InlineData("ada@contoso.com\r\n.\r\nDATA")]
    [InlineData("ada\t@contoso.com")]
    [InlineData("ada@contoso.com\0")]
    [InlineData("\"Ada\" <ada@contoso.com>")]
    [InlineData("Ada <ada@contoso.com>")]
    [InlineData("<ada@contoso.com>")]
    [InlineData("ada@contoso.com, bob@contoso.com")]
    [InlineData("ada@contoso.com,bob@contoso.com")]
    [InlineData("ada@contoso.com;bob@contoso.com")]
    [InlineData("ada lovelace@contoso.com")]
    [InlineData("ada(comment)@contoso.com")]
    public void AnythingButOnePlainAddress_IsRefused(string recipient)
    {
        Assert.False(PolicyAlertSettingsValidator.IsEmailAddress(recipient));

        var result = _validator.Validate(new PolicyAlertSettingsDraft { EmailRecipients = ["soc@contoso.com", recipient] });

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("EmailRecipients", error.PropertyName);
        Assert.Contains("is not an e-mail address", error.ErrorMessage);
    }

    /// <summary>The dialog shows the error under the recipients box: the key must not carry the recipient's index.</summary>
    [Fact]
    public void ABadRecipient_IsReportedOnEmailRecipients() =>
        Assert.Equal(["EmailRecipients"], ErrorProperties(new PolicyAlertSettingsDraft { EmailRecipients = ["soc@contoso.com", "a@b.com\r\nBcc: x@y.com"] }));

    [Fact]
    public void AnAddressOver254Characters_IsRefused() =>
        Assert.False(PolicyAlertSettingsValidator.IsEmailAddress(new string('a', 64) + "@" + string.Join(".", Enumerable.Repeat(new string('b', 60), 4)) + ".com"));

    [Fact]
    public void FiftyRecipients_AreAccepted() =>
        Assert.Empty(ErrorProperties(new PolicyAlertSettingsDraft { EmailRecipients = [.. Enumerable.Range(0, 50).Select(i => $"r{i}@contoso.com")] }));

    [Fact]
    public void FiftyOneRecipients_AreRefused() =>
        Assert.Equal(["EmailRecipients"], ErrorProperties(new PolicyAlertSettingsDraft { EmailRecipients = [.. Enumerable.Range(0, 51).Select(i => $"r{i}@contoso.com")] }));

    [Fact]
    public void BlankLines_DoNotCountAsRecipients() =>
        Assert.Empty(ErrorProperties(new PolicyAlertSettingsDraft { EmailRecipients = [.. Enumerable.Range(0, 50).Select(i => $"r{i}@contoso.com"), "", " "] }));

    [Theory]
    [InlineData]
    [InlineData("")]
    [InlineData(" ", "")]
    public void SendingEmail_WithoutARecipient_IsRefused(params string[] recipients)
    {
        var result = _validator.Validate(new PolicyAlertSettingsDraft { SendEmail = true, EmailRecipients = [.. recipients] });

        var error = Assert.Single(result.Errors);
        Assert.Equal("EmailRecipients", error.PropertyName);
        Assert.Contains("recipient", error.ErrorMessage);
    }

    [Fact]
    public void SendingEmail_WithARecipient_IsValid() =>
        Assert.Empty(ErrorProperties(new PolicyAlertSettingsDraft { SendEmail = true, EmailRecipients = ["soc@contoso.com"] }));

    [Fact]
    public void NotSendingEmail_NeedsNoRecipient() =>
        Assert.Empty(ErrorProperties(new PolicyAlertSettingsDraft { SendEmail = false }));

    [Fact]
    public void InAPolicy_RecipientErrors_AreNamedUnderAlertSettings()
    {
        var draft = new PolicyDraft
        {
            Name = "p",
            Conditions = [new ConditionDraft { Field = ActivityFields.App, Operator = ConditionOperator.Equals, Values = ["x"] }],
            AlertSettings = new PolicyAlertSettingsDraft { SendEmail = true, EmailRecipients = ["a@b.com\r\nBcc: x@y.com"] },
        };

        var result = new PolicyValidator().Validate(draft);

        Assert.Equal(["AlertSettings.EmailRecipients"], result.Errors.Select(e => e.PropertyName).Distinct());
    }

    [Fact]
    public void ApplyTo_TrimsAndDropsBlankAndDuplicateRecipients()
    {
        var settings = new PolicyAlertSettings();

        new PolicyAlertSettingsDraft { EmailRecipients = [" soc@contoso.com ", "", "SOC@contoso.com", "ada@contoso.com"] }.ApplyTo(settings);

        Assert.Equal(["soc@contoso.com", "ada@contoso.com"], settings.EmailRecipients);
    }
}
