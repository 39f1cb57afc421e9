using System.Net.Sockets;
using AdminPortal.Core.Features.Email;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace AdminPortal.UnitTests.Email;

/// <summary>The <c>Email:*</c> settings' checks, and which SMTP failures are retried.</summary>
public sealed class EmailOptionsTests
{
    private static EmailOptions Configured() => new() { Host = "smtp.contoso.com", From = "AdminPortal <alerts@contoso.com>" };

    [Fact]
    public void WithoutAHost_NothingIsRequired_AndEmailIsOff()
    {
        var settings = new EmailOptions { From = "", UserName = "someone" };

        Assert.False(settings.IsConfigured);
        Assert.Null(settings.Problem());
    }

    [Theory]
    [InlineData(null, "Email:From")]
    [InlineData("alerts", "Email:From")]
    [InlineData("not an address", "Email:From")]
    [InlineData("AdminPortal <alerts@contoso.com>", null)]
    [InlineData("alerts@contoso.com", null)]
    public void TheSender_MustBeAFullAddress(string? from, string? named)
    {
        var settings = Configured();
        settings.From = from;

        var problem = settings.Problem();

        if (named is null)
            Assert.Null(problem);
        else
            Assert.Contains(named, problem);
    }

    [Fact]
    public void AUserNameWithoutAPassword_AndALeaseShorterThanABatch_AreNamed()
    {
        var signIn = Configured();
        signIn.UserName = "alerts@contoso.com";
        var lease = Configured();
        lease.LeaseDuration = TimeSpan.FromMinutes(1);

        Assert.Contains("Email:Password", signIn.Problem());
        Assert.Contains("Email:LeaseDuration", lease.Problem());
    }

    [Fact]
    public void Replies_5xxAreFinal_4xxAndConnectionFailuresAreRetried_AndNoneQuotesThePassword()
    {
        var settings = Configured();
        settings.Password = "Pa55-w0rd!smtp";

        var rejected = SmtpMailer.Describe(new SmtpCommandException(SmtpErrorCode.RecipientNotAccepted, SmtpStatusCode.MailboxUnavailable, "5.1.1 No such user"), settings);
        var busy = SmtpMailer.Describe(new SmtpCommandException(SmtpErrorCode.RecipientNotAccepted, SmtpStatusCode.MailboxBusy, "4.2.0 Busy"), settings);
        var refused = SmtpMailer.Describe(new SocketException((int)SocketError.ConnectionRefused), settings);
        var signIn = SmtpMailer.Describe(new AuthenticationException("535: 5.7.8 credentials Pa55-w0rd!smtp invalid"), settings);
        var timeout = SmtpMailer.Describe(new OperationCanceledException(), settings);

        Assert.Equal((false, true, "550 5.1.1 No such user"), (rejected.Sent, rejected.Permanent, rejected.Error));
        Assert.Equal((false, false, "450 4.2.0 Busy"), (busy.Sent, busy.Permanent, busy.Error));
        Assert.False(refused.Permanent);
        Assert.StartsWith("Could not connect to smtp.contoso.com:587", refused.Error);
        Assert.False(signIn.Permanent);
        Assert.DoesNotContain("Pa55-w0rd!smtp", signIn.Error);
        Assert.Equal("smtp.contoso.com:587 did not answer within 30 s.", timeout.Error);
    }

    [Fact]
    public void A5xxToTheSenderOrTheConnection_IsRetried_WhileOneToTheMessageIsFinal()
    {
        var settings = Configured();

        var sender = SmtpMailer.Describe(new SmtpCommandException(SmtpErrorCode.SenderNotAccepted, SmtpStatusCode.MailboxUnavailable, "5.7.60 Send as denied"), settings);
        var greeting = SmtpMailer.Describe(new SmtpCommandException(SmtpErrorCode.UnexpectedStatusCode, SmtpStatusCode.TransactionFailed, "5.3.2 Not accepting mail"), settings);
        var message = SmtpMailer.Describe(new SmtpCommandException(SmtpErrorCode.MessageNotAccepted, SmtpStatusCode.TransactionFailed, "5.7.1 Spam"), settings);

        Assert.Equal((false, false), (sender.Permanent, greeting.Permanent));
        Assert.Equal((true, "554 5.7.1 Spam"), (message.Permanent, message.Error));
    }
}
