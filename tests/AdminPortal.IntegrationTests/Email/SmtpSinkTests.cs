using AdminPortal.Testing;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace AdminPortal.IntegrationTests.Email;

/// <summary>
/// The test SMTP server against MailKit's real client over loopback TCP: delivery, scripted failures and AUTH,
/// so tests of the alert e-mail sender can trust what the sink reports.
/// </summary>
public sealed class SmtpSinkTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static MimeMessage Message(string subject, params string[] to)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Admin Portal", "portal@example.test"));
        foreach (var address in to)
            message.To.Add(MailboxAddress.Parse(address));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = "Alert raised." };
        return message;
    }

    private static async Task<SmtpClient> ConnectAsync(SmtpSink sink)
    {
        var client = new SmtpClient { Timeout = (int)Timeout.TotalMilliseconds };
        await client.ConnectAsync(sink.Host, sink.Port, SecureSocketOptions.None);
        return client;
    }

    [Fact]
    public async Task A_text_and_html_message_arrives_with_both_parts_and_its_recipients()
    {
        await using var sink = SmtpSink.Start("alerts", "s3cret!");
        var message = Message("High severity alert", "alice@example.test", "bob@example.test");
        message.Cc.Add(MailboxAddress.Parse("carol@example.test"));
        message.Body = new BodyBuilder { TextBody = "Plain: café ✓", HtmlBody = "<p>Html: <b>café</b> ✓</p>" }.ToMessageBody();

        using (var client = await ConnectAsync(sink))
        {
            Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.Authentication));
            await client.AuthenticateAsync("alerts", "s3cret!");
            await client.SendAsync(message);
            await client.DisconnectAsync(true);
        }

        var mail = Assert.Single(await sink.WaitForMessagesAsync(1, Timeout));
        Assert.Equal("portal@example.test", mail.MailFrom);
        Assert.Equal(["alice@example.test", "bob@example.test", "carol@example.test"], mail.Recipients);
        var received = mail.Parse();
        Assert.Equal("High severity alert", received.Subject);
        Assert.Equal("Plain: café ✓", received.TextBody?.TrimEnd());
        Assert.Equal("<p>Html: <b>café</b> ✓</p>", received.HtmlBody?.TrimEnd());
        Assert.Equal(1, sink.Connections);
        Assert.Contains(sink.Transcript, line => line.StartsWith("AUTH ", StringComparison.Ordinal));
        Assert.Equal("QUIT", sink.Transcript[^1]);
    }

    [Fact]
    public async Task A_temporary_RCPT_failure_throws_451_and_the_retry_is_delivered()
    {
        await using var sink = SmtpSink.Start();
        var attempts = new List<(string, int)>();
        sink.RespondToRcpt((recipient, attempt) =>
        {
            lock (attempts) attempts.Add((recipient, attempt));
            return attempt == 1 ? "451 4.3.0 Try again later" : null;
        });
        using var client = await ConnectAsync(sink);

        var error = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(Message("Retry", "alice@example.test")));
        Assert.Equal(451, (int)error.StatusCode);
        Assert.Equal(SmtpErrorCode.RecipientNotAccepted, error.ErrorCode);
        Assert.Empty(sink.Messages);

        await client.SendAsync(Message("Retry", "alice@example.test"));
        await client.DisconnectAsync(true);

        Assert.Equal("Retry", Assert.Single(await sink.WaitForMessagesAsync(1, Timeout)).Parse().Subject);
        Assert.Equal([("alice@example.test", 1), ("alice@example.test", 2)], attempts);
    }

    [Fact]
    public async Task A_permanent_RCPT_failure_throws_550_and_nothing_is_stored()
    {
        await using var sink = SmtpSink.Start();
        sink.RespondToRcpt((recipient, _) => recipient == "nobody@example.test" ? "550 5.1.1 No such user" : null);
        using var client = await ConnectAsync(sink);

        var error = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(Message("Bounce", "nobody@example.test")));

        Assert.Equal(550, (int)error.StatusCode);
        Assert.Equal("nobody@example.test", error.Mailbox?.Address);
        // The connection stays usable: the next message goes through.
        await client.SendAsync(Message("Fine", "alice@example.test"));
        Assert.Equal("Fine", Assert.Single(await sink.WaitForMessagesAsync(1, Timeout)).Parse().Subject);
    }

    [Fact]
    public async Task A_rejected_DATA_is_reported_and_not_stored()
    {
        await using var sink = SmtpSink.Start();
        sink.RespondToData((_, nth) => nth == 1 ? "554 5.7.1 Message rejected as spam" : null);
        using var client = await ConnectAsync(sink);

        var error = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(Message("Spam?", "alice@example.test")));

        Assert.Equal(554, (int)error.StatusCode);
        Assert.Equal(SmtpErrorCode.MessageNotAccepted, error.ErrorCode);
        Assert.Empty(sink.Messages);
        await client.SendAsync(Message("Second", "alice@example.test"));
        Assert.Equal("Second", Assert.Single(await sink.WaitForMessagesAsync(1, Timeout)).Parse().Subject);
    }

    [Fact]
    public async Task A_wrong_password_fails_authentication_and_unauthenticated_MAIL_is_refused()
    {
        await using var sink = SmtpSink.Start("alerts", "s3cret!");
        using var client = await ConnectAsync(sink);

        await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync("alerts", "wrong"));
        await Assert.ThrowsAsync<ServiceNotAuthenticatedException>(() => client.SendAsync(Message("Nope", "alice@example.test")));

        Assert.Empty(sink.Messages);
        Assert.Contains(sink.Transcript, line => line.StartsWith("MAIL FROM:<portal@example.test>", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Both_AUTH_mechanisms_accept_the_right_credentials()
    {
        await using var sink = SmtpSink.Start("alerts", "s3cret!");
        foreach (var mechanism in new SaslMechanism[]
        {
            new SaslMechanismPlain("alerts", "s3cret!"),
            new SaslMechanismLogin("alerts", "s3cret!"),
        })
        {
            using var client = await ConnectAsync(sink);
            await client.AuthenticateAsync(mechanism);
            await client.SendAsync(Message(mechanism.MechanismName, "alice@example.test"));
            await client.DisconnectAsync(true);
        }

        var messages = await sink.WaitForMessagesAsync(2, Timeout);
        Assert.Equal(["PLAIN", "LOGIN"], messages.Select(m => m.Parse().Subject));
        Assert.Equal(2, sink.Connections);
    }

    [Fact]
    public async Task Lines_starting_with_a_dot_survive_the_trip()
    {
        await using var sink = SmtpSink.Start();
        var message = Message("Dots", "alice@example.test");
        const string body = ".leading dot\r\n..two dots\r\n.\r\nmiddle . dot\r\n";
        message.Body = new TextPart("plain") { Text = body };
        using var client = await ConnectAsync(sink);

        await client.SendAsync(message);

        var mail = Assert.Single(await sink.WaitForMessagesAsync(1, Timeout));
        // The stored bytes are unstuffed exactly as RFC 5321 4.5.2 says (MailKit stuffed them on the wire).
        Assert.Contains("\r\n\r\n" + body, System.Text.Encoding.UTF8.GetString(mail.Data), StringComparison.Ordinal);
        // MimeKit's TextBody comes back with bare LF line ends, so compare lines, not terminators.
        Assert.Equal(body.ReplaceLineEndings("\n"), mail.Parse().TextBody?.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Waiting_for_a_message_that_never_comes_times_out_with_what_was_received()
    {
        await using var sink = SmtpSink.Start();
        using var client = await ConnectAsync(sink);
        await client.SendAsync(Message("Only one", "alice@example.test"));

        var error = await Assert.ThrowsAsync<TimeoutException>(() => sink.WaitForMessagesAsync(2, TimeSpan.FromMilliseconds(200)));

        Assert.Contains("received 1 message(s)", error.Message);
        Assert.Contains("alice@example.test", error.Message);
    }

    [Fact]
    public async Task A_server_that_drops_the_connection_after_greeting_fails_the_connect()
    {
        await using var sink = SmtpSink.Start();
        sink.DropConnectionsAfterGreeting(true);
        using var client = new SmtpClient { Timeout = (int)Timeout.TotalMilliseconds };

        await Assert.ThrowsAnyAsync<Exception>(() => client.ConnectAsync(sink.Host, sink.Port, SecureSocketOptions.None));

        await sink.WaitForAsync(s => s.Connections == 1, Timeout);
        Assert.False(client.IsConnected);
    }

    [Fact]
    public async Task Dispose_closes_open_connections()
    {
        var sink = SmtpSink.Start();
        using var client = await ConnectAsync(sink);

        await sink.DisposeAsync();

        await Assert.ThrowsAnyAsync<Exception>(() => client.NoOpAsync());
    }
}
