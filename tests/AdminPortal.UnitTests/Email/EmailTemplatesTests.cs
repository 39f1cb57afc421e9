using AdminPortal.Core.Features.Alerts;
using AdminPortal.Core.Features.Email;
using MimeKit;

namespace AdminPortal.UnitTests.Email;

public sealed class EmailTemplatesTests
{
    private const string BaseUrl = "https://portal.contoso.com";
    private static readonly DateTimeOffset Created = new(2026, 11, 27, 13, 4, 5, TimeSpan.FromHours(2));

    private static AlertEmailFacts Facts(string title = "Mass download by a user", string? mainUser = "alice@contoso.com", string policyName = "Mass download") =>
        new("0123456789abcdef01234567", title, AlertSeverity.High, Created, "fedcba9876543210fedcba98", policyName,
            "alice@contoso.com performed 120 matching activities (Download) in SharePoint within 5 minutes.", mainUser,
            ["203.0.113.7", "198.51.100.2"], ["SharePoint", "OneDrive"], ["NL", "DE"]);

    [Fact]
    public void AlertEmail_SubjectIsSeverityInBracketsThenTitle()
    {
        var email = EmailTemplates.Alert(Facts(title: "Alert title"), BaseUrl);

        Assert.Equal("[High] Alert title", email.Subject);
    }

    [Theory]
    [InlineData(AlertSeverity.Low, "[Low] T")]
    [InlineData(AlertSeverity.Medium, "[Medium] T")]
    [InlineData(AlertSeverity.Informational, "[Informational] T")]
    public void AlertEmail_SubjectUsesTheSeverityName(AlertSeverity severity, string subject)
    {
        var email = EmailTemplates.Alert(Facts(title: "T") with { Severity = severity }, BaseUrl);

        Assert.Equal(subject, email.Subject);
    }

    [Fact]
    public void AlertEmail_BothPartsShowEveryFactAndBothLinks()
    {
        var email = EmailTemplates.Alert(Facts(), BaseUrl);

        foreach (var part in new[] { email.Html, email.Text })
        {
            Assert.Contains("Mass download by a user", part);
            Assert.Contains("Mass download", part);
            Assert.Contains("High", part);
            Assert.Contains("2026-11-27 11:04:05 UTC", part);
            Assert.Contains("alice@contoso.com", part);
            Assert.Contains("203.0.113.7, 198.51.100.2", part);
            Assert.Contains("SharePoint, OneDrive", part);
            Assert.Contains("NL, DE", part);
            Assert.Contains("performed 120 matching activities (Download) in SharePoint within 5 minutes.", part);
            Assert.Contains("https://portal.contoso.com/alerts/0123456789abcdef01234567", part);
            Assert.Contains("https://portal.contoso.com/policies/fedcba9876543210fedcba98/edit", part);
            Assert.Contains("is set to send alerts as e-mail", part);
        }
        Assert.Contains("Policy: Mass download", email.Text);
        Assert.Contains("Open alert in AdminPortal", email.Html);
        Assert.Contains("lang=\"en\"", email.Html);
    }

    [Fact]
    public void AlertEmail_TrailingSlashOnTheBaseUrl_DoesNotDoubleTheSlash()
    {
        var email = EmailTemplates.Alert(Facts(), BaseUrl + "/");

        Assert.Contains("https://portal.contoso.com/alerts/0123456789abcdef01234567", email.Text);
        Assert.DoesNotContain("//alerts", email.Text);
        Assert.DoesNotContain("//policies", email.Html);
    }

    [Fact]
    public void AlertEmail_NoUserAndNoEntities_ShowADash()
    {
        var facts = Facts(mainUser: null) with { IpAddresses = [], Apps = [], Countries = [] };

        var email = EmailTemplates.Alert(facts, BaseUrl);

        Assert.Contains("Main user: —", email.Text);
        Assert.Contains("IP addresses: —", email.Text);
        Assert.Contains("Apps: —", email.Text);
        Assert.Contains("Countries: —", email.Text);
    }

    [Fact]
    public void AlertEmail_MarkupInTitleAndUser_IsEncodedInTheHtmlPart_NeverRaw()
    {
        var facts = Facts(title: "<script>alert(\"x\")</script> & 'y'", mainUser: "\"><img src=x onerror=alert(1)>") with
        {
            Apps = ["A&B <b>"],
        };

        var email = EmailTemplates.Alert(facts, BaseUrl);

        Assert.DoesNotContain("<script>", email.Html);
        Assert.DoesNotContain("<img", email.Html);
        Assert.DoesNotContain("<b>", email.Html);
        Assert.Contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;", email.Html);
        Assert.Contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;", email.Html);
        Assert.Contains("A&amp;B &lt;b&gt;", email.Html);
        // The text part is not HTML: values go in as they are.
        Assert.Contains("<script>alert(\"x\")</script> & 'y'", email.Text);
    }

    [Fact]
    public void AlertEmail_QuoteInTheBaseUrl_CannotLeaveTheHrefAttribute()
    {
        var email = EmailTemplates.Alert(Facts(), "https://portal.contoso.com/\" onclick=\"x");

        Assert.DoesNotContain("\" onclick=\"", email.Html);
        Assert.Contains("&quot; onclick=&quot;x/alerts/", email.Html);
    }

    [Fact]
    public void AlertEmail_LineBreaksInValues_DoNotAddLinesToTheTextPart()
    {
        var email = EmailTemplates.Alert(Facts(policyName: "Mass\r\nSeverity: Low"), BaseUrl);

        Assert.Contains("Policy: Mass Severity: Low", email.Text);
        Assert.DoesNotContain("\nSeverity: Low", email.Text);
    }

    [Fact]
    public void AlertEmailFacts_Of_TakesUserAndEntitiesByTypeInOrder()
    {
        var alert = new Alert
        {
            Title = "T", PolicyId = "p1", CorrelationKey = "p1:u", MainEntity = "u@contoso.com", Severity = AlertSeverity.Medium,
            Description = "D", CreatedAt = Created,
            Entities =
            [
                new() { Type = AlertEntityType.Account, Value = "u@contoso.com" },
                new() { Type = AlertEntityType.Ip, Value = "10.0.0.2" },
                new() { Type = AlertEntityType.Ip, Value = "10.0.0.1" },
                new() { Type = AlertEntityType.Service, Value = "Exchange" },
                new() { Type = AlertEntityType.File, Value = "secret.docx" },
                new() { Type = AlertEntityType.Country, Value = "US" },
                new() { Type = AlertEntityType.PolicyRule, Value = "p1", Label = "Policy" },
            ],
        };

        var facts = AlertEmailFacts.Of(alert, "My policy");

        Assert.Equal(alert.Id, facts.AlertId);
        Assert.Equal("My policy", facts.PolicyName);
        Assert.Equal("p1", facts.PolicyId);
        Assert.Equal("u@contoso.com", facts.MainUser);
        Assert.Equal(AlertSeverity.Medium, facts.Severity);
        Assert.Equal(["10.0.0.2", "10.0.0.1"], facts.IpAddresses);
        Assert.Equal(["Exchange"], facts.Apps);
        Assert.Equal(["US"], facts.Countries);
    }

    [Theory]
    [InlineData("x\r\nBcc: evil@example.com", "x Bcc: evil@example.com")]
    [InlineData("  a\t\tb\u0000c\u007f\u0085d\u2028e  ", "a b c d e")]
    [InlineData("plain", "plain")]
    public void SafeHeaderText_ReplacesControlCharactersBySingleSpacesAndTrims(string input, string expected)
    {
        Assert.Equal(expected, EmailTemplates.SafeHeaderText(input));
    }

    [Fact]
    public void SafeHeaderText_CutsTo250Characters()
    {
        Assert.Equal(250, EmailTemplates.SafeHeaderText(new string('a', 400)).Length);
    }

    [Fact]
    public void HeaderInjectionInPolicyTitle_BuiltMessageHasNoBccAndExactlyOneTo()
    {
        var content = EmailTemplates.Alert(Facts(title: "x\r\nBcc: evil@example.com\r\nTo: other@example.com"), BaseUrl);

        var message = EmailMessages.Build(new MailboxAddress("AdminPortal", "portal@contoso.com"), "soc@contoso.com", content, Guid.NewGuid(), "0123456789abcdef01234567", Created);
        var parsed = RoundTrip(message);

        Assert.Empty(parsed.Bcc);
        Assert.False(parsed.Headers.Contains(HeaderId.Bcc));
        Assert.Single(parsed.Headers, h => h.Id == HeaderId.To);
        var to = Assert.Single(parsed.To.Mailboxes);
        Assert.Equal("soc@contoso.com", to.Address);
        Assert.Equal("[High] x Bcc: evil@example.com To: other@example.com", parsed.Subject);
    }

    [Fact]
    public void Build_SubjectWithCrLf_IsMadeSafeEvenWhenNotFromATemplate()
    {
        var content = new RenderedEmail("a\r\nBcc: x@y.com", "<p>h</p>", "t");

        var parsed = RoundTrip(EmailMessages.Build(new MailboxAddress("AdminPortal", "portal@contoso.com"), "soc@contoso.com", content, Guid.NewGuid(), null, Created));

        Assert.Empty(parsed.Bcc);
        Assert.Equal("a Bcc: x@y.com", parsed.Subject);
    }

    [Fact]
    public void Build_MoreThanOneRecipient_Throws()
    {
        var content = new RenderedEmail("s", "<p>h</p>", "t");

        Assert.ThrowsAny<ParseException>(() =>
            EmailMessages.Build(new MailboxAddress("AdminPortal", "portal@contoso.com"), "a@contoso.com, b@contoso.com", content, Guid.NewGuid(), null, Created));
    }

    [Fact]
    public void Build_IsMultipartAlternative_TextThenHtml_WithMessageIdAndAutoSubmittedHeaders()
    {
        var id = Guid.Parse("6f1c2a9e-0d4b-4c83-9a57-2b1e6f0c3d11");
        var content = EmailTemplates.Alert(Facts(), BaseUrl);

        var parsed = RoundTrip(EmailMessages.Build(new MailboxAddress("AdminPortal", "portal@contoso.com"), "soc@contoso.com", content, id, "0123456789abcdef01234567", Created));

        var body = Assert.IsType<MultipartAlternative>(parsed.Body);
        Assert.Equal(2, body.Count);
        var text = Assert.IsType<TextPart>(body[0]);
        var html = Assert.IsType<TextPart>(body[1]);
        Assert.True(text.IsPlain);
        Assert.True(html.IsHtml);
        Assert.Equal("utf-8", text.ContentType.Charset, ignoreCase: true);
        Assert.Equal("utf-8", html.ContentType.Charset, ignoreCase: true);
        Assert.Equal(content.Text.ReplaceLineEndings(), text.Text.ReplaceLineEndings());
        Assert.Equal(content.Html.ReplaceLineEndings(), html.Text.ReplaceLineEndings());
        Assert.Equal("6f1c2a9e0d4b4c839a572b1e6f0c3d11@adminportal", parsed.MessageId);
        Assert.Equal("auto-generated", parsed.Headers["Auto-Submitted"]);
        Assert.Equal("0123456789abcdef01234567", parsed.Headers["X-AdminPortal-Alert-Id"]);
        Assert.Equal("[High] Mass download by a user", parsed.Subject);
        Assert.Equal(Created, parsed.Date);
        Assert.Equal("portal@contoso.com", Assert.Single(parsed.From.Mailboxes).Address);
    }

    [Fact]
    public void Build_SameMessageId_GivesTheSameMessageIdHeaderOnRetry()
    {
        var id = Guid.NewGuid();
        var content = EmailTemplates.Test("admin@contoso.com", BaseUrl);
        var from = new MailboxAddress("AdminPortal", "portal@contoso.com");

        var first = EmailMessages.Build(from, "soc@contoso.com", content, id, null, Created);
        var retry = EmailMessages.Build(from, "soc@contoso.com", content, id, null, Created.AddMinutes(5));

        Assert.Equal(first.MessageId, retry.MessageId);
    }

    [Fact]
    public void Build_WithoutAlertId_HasNoAlertIdHeader()
    {
        var content = EmailTemplates.Test("admin@contoso.com", BaseUrl);

        var parsed = RoundTrip(EmailMessages.Build(new MailboxAddress("AdminPortal", "portal@contoso.com"), "soc@contoso.com", content, Guid.NewGuid(), null, Created));

        Assert.False(parsed.Headers.Contains("X-AdminPortal-Alert-Id"));
        Assert.Equal("auto-generated", parsed.Headers["Auto-Submitted"]);
    }

    [Fact]
    public void EveryTemplate_RendersWithoutLeftoverPlaceholders()
    {
        var emails = new[]
        {
            EmailTemplates.Alert(Facts(), BaseUrl),
            EmailTemplates.Alert(Facts(mainUser: null) with { IpAddresses = [], Apps = [], Countries = [], Description = "" }, BaseUrl),
            EmailTemplates.Summary(new DateOnly(2026, 11, 27), 50, BaseUrl),
            EmailTemplates.Test("admin@contoso.com", BaseUrl),
        };

        foreach (var email in emails)
        {
            Assert.DoesNotContain("{{", email.Subject);
            Assert.DoesNotContain("{{", email.Html);
            Assert.DoesNotContain("{{", email.Text);
            Assert.DoesNotContain("}}", email.Html);
            Assert.DoesNotContain("}}", email.Text);
        }
    }

    [Fact]
    public void Renderer_UnknownPlaceholder_Throws()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            TemplateRenderer.Render("Hello {{name}} {{missing}}", new Dictionary<string, string> { ["name"] = "x" }, html: false));

        Assert.Contains("missing", error.Message);
    }

    [Fact]
    public void Renderer_ValueContainingBraces_IsNotExpandedAgain()
    {
        var text = TemplateRenderer.Render("{{a}} {{b}}", new Dictionary<string, string> { ["a"] = "{{b}}", ["b"] = "B" }, html: false);

        Assert.Equal("{{b}} B", text);
    }

    [Fact]
    public void SummaryEmail_MentionsTheLimitTheDayMidnightUtcAndTheAlertsPage()
    {
        var email = EmailTemplates.Summary(new DateOnly(2026, 11, 27), 50, BaseUrl + "/");

        Assert.Equal("[AdminPortal] Alert e-mail limit reached for 2026-11-27", email.Subject);
        foreach (var part in new[] { email.Html, email.Text })
        {
            Assert.Contains("50 alert e-mails", part);
            Assert.Contains("2026-11-27", part);
            Assert.Contains("00:00 UTC", part);
            Assert.Contains("https://portal.contoso.com/alerts", part);
        }
    }

    [Fact]
    public void TestEmail_SaysTheSmtpSettingsWork_WhoSentIt_AndLinksToThePortal()
    {
        var email = EmailTemplates.Test("admin <admin@contoso.com>", BaseUrl);

        Assert.Equal("[AdminPortal] Test e-mail", email.Subject);
        Assert.Contains("SMTP settings work", email.Text);
        Assert.Contains("SMTP settings work", email.Html);
        Assert.Contains("admin <admin@contoso.com>", email.Text);
        Assert.Contains("admin &lt;admin@contoso.com&gt;", email.Html);
        Assert.Contains("href=\"https://portal.contoso.com\"", email.Html);
        Assert.Contains("https://portal.contoso.com", email.Text);
    }

    private static MimeMessage RoundTrip(MimeMessage message)
    {
        using var stream = new MemoryStream();
        message.WriteTo(stream);
        stream.Position = 0;
        return MimeMessage.Load(stream);
    }
}
