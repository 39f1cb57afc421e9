using AdminPortal.ComponentTests.Policies;
using AdminPortal.Core.Features.Users;
using AdminPortal.Web.Features.Email;
using Bunit;

namespace AdminPortal.ComponentTests.Email;

/// <summary>Settings → E-mail: the <c>Email:*</c> settings read-only (never the password), and the admins' test e-mail.</summary>
public sealed class EmailSettingsPageTests : PoliciesComponentTest
{
    private const string Password = "s3cret-pa55";

    [Fact]
    public async Task ShowsTheServerSettings_AndThatAPasswordIsSet_ButNeverThePassword()
    {
        EmailSettings.Port = 2525;
        EmailSettings.UserName = "portal-smtp";
        EmailSettings.Password = Password;
        EmailSettings.DailyLimitPerRecipient = 200;
        await SignInAsAdminAsync();

        var page = Render<EmailSettingsPage>();

        Assert.Equal("smtp.contoso.test", Text(page, "email-host"));
        Assert.Equal("2525", Text(page, "email-port"));
        Assert.Equal("STARTTLS (required)", Text(page, "email-security"));
        Assert.Equal("alerts@contoso.com", Text(page, "email-from"));
        Assert.Equal("portal-smtp", Text(page, "email-user-name"));
        Assert.Equal("Set", Text(page, "email-password"));
        Assert.StartsWith("200 alert e-mails per address and UTC day", Text(page, "email-daily-limit"));
        Assert.Equal("Yes", Text(page, "email-sender-enabled"));
        Assert.Empty(page.FindAll("[data-testid=email-not-configured-alert]"));
        Assert.Contains("Email__Host", page.Find("[data-testid=email-settings-explanation]").TextContent);
        Assert.DoesNotContain(Password, AllMarkup(page));
        Assert.False(page.Find("[data-testid=send-test-email]").HasAttribute("disabled"));
    }

    [Fact]
    public async Task ForAReader_TheTestEmailCardIsHidden()
    {
        await SignInAsync("rita@contoso.com", PortalRole.SecurityReader);

        var page = Render<EmailSettingsPage>();

        Assert.Equal("smtp.contoso.test", Text(page, "email-host"));
        Assert.Empty(page.FindAll("[data-testid=test-email-card]"));
        Assert.Empty(page.FindAll("[data-testid=send-test-email]"));
    }

    [Fact]
    public async Task ForAnAdmin_TheTestEmailCardIsShown_AddressedToThemselves()
    {
        await SignInAsAdminAsync();

        var page = Render<EmailSettingsPage>();

        Assert.NotEmpty(page.FindAll("[data-testid=test-email-card]"));
        page.WaitForAssertion(() => Assert.Equal("grace@contoso.com", page.Find("input[data-testid=test-email-address]").GetAttribute("value")));
        Assert.Equal("Send test e-mail", Text(page, "send-test-email"));
    }

    [Fact]
    public async Task WithoutAnSmtpHost_ThePageSaysSo_AndTheTestButtonIsDisabled()
    {
        EmailSettings.Host = null;
        EmailSettings.From = null;
        await SignInAsAdminAsync();

        var page = Render<EmailSettingsPage>();

        Assert.Contains("E-mail is not set up on this portal", Text(page, "email-not-configured-alert"));
        Assert.Equal("Not set", Text(page, "email-host"));
        Assert.Equal("Not set", Text(page, "email-password"));
        Assert.True(page.Find("[data-testid=send-test-email]").HasAttribute("disabled"));
    }

    [Fact]
    public async Task SendingATestToAnInvalidAddress_SaysWhyItWasNotSent()
    {
        await SignInAsAdminAsync();
        var page = Render<EmailSettingsPage>();
        page.WaitForAssertion(() => Assert.Equal("grace@contoso.com", page.Find("input[data-testid=test-email-address]").GetAttribute("value")));

        page.Find("input[data-testid=test-email-address]").Input("x");
        page.Find("[data-testid=send-test-email]").Click();

        page.WaitForAssertion(() => Assert.Equal("Not sent: 'x' is not an e-mail address.", Text(page, "test-email-result")));
    }

    private static string Text(IRenderedComponent<EmailSettingsPage> page, string testId) =>
        page.Find($"[data-testid={testId}]").TextContent.Trim();
}
