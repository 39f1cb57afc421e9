using System.Text;
using MimeKit;

namespace AdminPortal.Core.Features.Email;

/// <summary>Turns rendered e-mail content into the MIME message the SMTP client sends.</summary>
public static class EmailMessages
{
    /// <summary>
    /// A multipart/alternative message, text/plain first then text/html (both UTF-8, quoted-printable, so it passes
    /// servers without 8BITMIME and long HTML lines are wrapped), to exactly one recipient. The subject goes through
    /// <see cref="EmailTemplates.SafeHeaderText"/> so alert data can't add headers. The Message-Id comes from
    /// <paramref name="messageId"/> so a retry sends the same Message-Id and receiving servers can drop the duplicate.
    /// <c>Auto-Submitted: auto-generated</c> (RFC 3834) and <c>X-Auto-Response-Suppress: All</c> (Exchange) keep
    /// out-of-office replies from coming back; <c>X-AdminPortal-Alert-Id</c> lets mail rules and support find the alert.
    /// </summary>
    /// <exception cref="ParseException"><paramref name="to"/> is not exactly one mailbox address.</exception>
    public static MimeMessage Build(MailboxAddress from, string to, RenderedEmail content, Guid messageId, string? alertId, DateTimeOffset date)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        ArgumentNullException.ThrowIfNull(content);

        var message = new MimeMessage
        {
            Subject = EmailTemplates.SafeHeaderText(content.Subject),
            Date = date,
            MessageId = $"{messageId:N}@adminportal",
        };
        message.From.Add(from);
        // Parse, not a list: "a@x.com, b@y.com" throws instead of quietly mailing two people.
        message.To.Add(MailboxAddress.Parse(to.Trim()));
        message.Headers.Add("Auto-Submitted", "auto-generated");
        message.Headers.Add("X-Auto-Response-Suppress", "All");
        if (!string.IsNullOrWhiteSpace(alertId))
            message.Headers.Add("X-AdminPortal-Alert-Id", EmailTemplates.SafeHeaderText(alertId));

        message.Body = new MultipartAlternative
        {
            Part("plain", content.Text),
            Part("html", content.Html),
        };
        return message;
    }

    private static TextPart Part(string subtype, string text)
    {
        var part = new TextPart(subtype) { ContentTransferEncoding = ContentEncoding.QuotedPrintable };
        part.SetText(Encoding.UTF8, text);
        return part;
    }
}
