using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace AdminPortal.Core.Features.Email;

/// <summary>What became of one message: sent, worth retrying (4xx, connection), or refused for good (5xx).</summary>
public sealed record SendOutcome(bool Sent, bool Permanent, string? Error)
{
    public static readonly SendOutcome Success = new(true, false, null);
}

/// <summary>
/// Opens SMTP connections with the <c>Email:*</c> settings. No protocol logger is attached: the exchange carries the
/// password (AUTH), and errors are described by <see cref="Describe"/>, which never quotes the settings' secrets.
/// </summary>
public sealed class SmtpMailer(IOptions<EmailOptions> options)
{
    /// <summary>Connects and signs in; throws what <see cref="Describe"/> explains.</summary>
    public async Task<SmtpSession> ConnectAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var client = new SmtpClient { Timeout = (int)settings.Timeout.TotalMilliseconds };
        try
        {
            var security = settings.UseSsl ? SecureSocketOptions.SslOnConnect
                : settings.UseStartTls ? SecureSocketOptions.StartTls : SecureSocketOptions.None;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(settings.Timeout);
            // Our own socket, for NoDelay: a message larger than one segment otherwise waits for the server's delayed
            // ACK (about 40 ms on Linux) before its last bytes leave, which capped a pass at about 20 messages a second.
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(settings.Host ?? "", settings.Port, timeout.Token);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
            await client.ConnectAsync(socket, settings.Host ?? "", settings.Port, security, timeout.Token);
            if (!string.IsNullOrEmpty(settings.UserName))
                await client.AuthenticateAsync(settings.UserName, settings.Password ?? "", timeout.Token);
            return new SmtpSession(client, settings.Timeout);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Connects, sends one message and disconnects: the settings page's test e-mail.</summary>
    public async Task<SendOutcome> SendOneAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await using var session = await ConnectAsync(cancellationToken);
            await session.SendAsync(message, cancellationToken);
            return SendOutcome.Success;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return Describe(e, options.Value);
        }
    }

    /// <summary>
    /// An exception from connecting or sending as an outcome: SMTP 5xx replies are permanent; 4xx replies, lost or
    /// refused connections, TLS and sign-in failures are retried (the server, or its settings, may be fixed meanwhile).
    /// </summary>
    public static SendOutcome Describe(Exception exception, EmailOptions settings)
    {
        var server = $"{settings.Host}:{settings.Port}";
        return exception switch
        {
            // Only a refusal of this recipient or this message is final; a 5xx to the sender or the connection is the
            // server's or the settings' problem, and retrying lets the queue survive until an admin fixes it.
            SmtpCommandException { StatusCode: var code, ErrorCode: SmtpErrorCode.RecipientNotAccepted or SmtpErrorCode.MessageNotAccepted } e
                when (int)code >= 500 => new(false, true, $"{(int)code} {e.Message}"),
            SmtpCommandException { StatusCode: var code } e => new(false, false, $"{(int)code} {e.Message}"),
            // MailKit's own text can quote the server's challenge; ours names the settings to check and nothing else.
            AuthenticationException => new(false, false, $"{server} refused the sign-in: check Email:UserName and Email:Password."),
            SslHandshakeException => new(false, false, $"The TLS handshake with {server} failed: check Email:UseSsl, Email:UseStartTls and the server's certificate."),
            SocketException e => new(false, false, $"Could not connect to {server}: {e.Message}"),
            OperationCanceledException or TimeoutException => new(false, false, $"{server} did not answer within {settings.Timeout.TotalSeconds:0} s."),
            NotSupportedException e => new(false, false, $"{server}: {e.Message}"),
            SmtpProtocolException or ServiceNotConnectedException or IOException => new(false, false, $"The connection to {server} was lost: {exception.Message}"),
            _ => new(false, false, $"Sending through {server} failed: {exception.GetType().Name}: {exception.Message}"),
        };
    }
}

/// <summary>One signed-in connection; messages go over it one after another.</summary>
public sealed class SmtpSession(SmtpClient client, TimeSpan timeout) : IAsyncDisposable
{
    /// <summary>Whether the connection can carry another message (a lost one cannot).</summary>
    public bool IsUsable => client.IsConnected;

    /// <summary>Sends; throws what <see cref="SmtpMailer.Describe"/> explains.</summary>
    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        await client.SendAsync(message, limit.Token);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (client.IsConnected)
                await client.DisconnectAsync(quit: true, CancellationToken.None);
        }
        catch (Exception)
        {
            // QUIT on a broken connection: nothing is lost, the messages' outcomes are already known.
        }
        client.Dispose();
    }
}
