using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace AdminPortal.Core.Features.Dispatch;

/// <summary>
/// Standard Webhooks signing: <c>webhook-signature</c> carries <c>v1,&lt;base64 HMAC-SHA256&gt;</c> of
/// <c>{webhook-id}.{webhook-timestamp}.{body}</c> for each secret, space-separated, so a receiver keeps working
/// while a secret is being rotated. Any of the specification's libraries verifies what this signs.
/// </summary>
public static class WebhookSigner
{
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";

    private const string SecretPrefix = "whsec_";
    private const string Version = "v1";

    /// <summary>The <c>webhook-signature</c> header value: one <c>v1,…</c> entry per secret, in the given order.</summary>
    public static string Sign(string webhookId, long timestampSeconds, string body, IReadOnlyList<string> secrets)
    {
        ArgumentException.ThrowIfNullOrEmpty(webhookId);
        ArgumentNullException.ThrowIfNull(body);
        if (secrets.Count == 0)
            throw new ArgumentException("At least one signing secret is needed.", nameof(secrets));

        var content = SignedContent(webhookId, timestampSeconds, body);
        return string.Join(' ', secrets.Select(secret => $"{Version},{Convert.ToBase64String(HMACSHA256.HashData(Key(secret), content))}"));
    }

    /// <summary>
    /// What a receiver does: true when one of the <c>v1</c> entries of <paramref name="signatureHeader"/> was made with
    /// <paramref name="secret"/> (compared in constant time) and the timestamp is within
    /// <paramref name="toleranceSeconds"/> of <paramref name="nowSeconds"/>, either way.
    /// </summary>
    public static bool Verify(
        string webhookId, long timestampSeconds, string body, string signatureHeader, string secret, long nowSeconds, long toleranceSeconds = 300)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(toleranceSeconds);
        if (string.IsNullOrEmpty(webhookId) || body is null || string.IsNullOrEmpty(signatureHeader))
            return false;
        // In 128 bits, so that no timestamp, however extreme, overflows into "recent".
        if (Int128.Abs((Int128)timestampSeconds - nowSeconds) > toleranceSeconds)
            return false;

        var expected = HMACSHA256.HashData(Key(secret), SignedContent(webhookId, timestampSeconds, body));
        Span<byte> candidate = stackalloc byte[expected.Length];
        var matched = false;
        foreach (var entry in signatureHeader.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var comma = entry.IndexOf(',');
            if (comma < 0 || entry.AsSpan(0, comma) is not Version)
                continue;
            if (Convert.TryFromBase64String(entry[(comma + 1)..], candidate, out var written)
                && written == expected.Length
                && CryptographicOperations.FixedTimeEquals(candidate, expected))
                matched = true;
        }

        return matched;
    }

    /// <summary>The three Standard Webhooks headers for one delivery attempt.</summary>
    public static IReadOnlyDictionary<string, string> Headers(string webhookId, DateTimeOffset attemptTime, string body, IReadOnlyList<string> secrets)
    {
        var timestamp = attemptTime.ToUnixTimeSeconds();
        return new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            [IdHeader] = webhookId,
            [TimestampHeader] = timestamp.ToString(CultureInfo.InvariantCulture),
            [SignatureHeader] = Sign(webhookId, timestamp, body, secrets),
        };
    }

    private static byte[] SignedContent(string webhookId, long timestampSeconds, string body) =>
        Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{webhookId}.{timestampSeconds}.{body}"));

    /// <summary>The HMAC key: the base64 after <c>whsec_</c>; a secret pasted without the prefix is read the same way.</summary>
    private static byte[] Key(string secret)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        var encoded = secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret[SecretPrefix.Length..] : secret;
        byte[] key;
        try
        {
            key = Convert.FromBase64String(encoded);
        }
        catch (FormatException)
        {
            throw new ArgumentException("A signing secret is whsec_ followed by base64.", nameof(secret));
        }

        return key.Length > 0 ? key : throw new ArgumentException("A signing secret cannot be empty.", nameof(secret));
    }
}
