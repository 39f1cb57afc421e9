using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace AdminPortal.Core.Features.Dispatch;

/// <summary>Where and how to send one delivery: the decrypted target and the secrets to sign with.</summary>
public sealed record DeliveryTarget(Uri Url, string? HeaderName, string? HeaderValue, IReadOnlyList<string> Secrets);

/// <summary>What one attempt came to. <see cref="StatusCode"/> is null when no answer came (timeout, refused, connection error).</summary>
public sealed record AttemptResult(int? StatusCode, string? Error, string? ResponseBody, TimeSpan? RetryAfter, TimeSpan Duration, bool Refused = false)
{
    public bool Succeeded => StatusCode is >= 200 and < 300;
}

/// <summary>
/// One HTTP attempt: POST the payload, signed (Standard Webhooks), through the dispatch client (connect-time SSRF
/// guard, no redirects), within the attempt timeout; keeps at most the first 4 KB of the answer, secrets masked.
/// </summary>
public sealed partial class DeliverySender(IHttpClientFactory clients, IOptions<DispatchOptions> options, TimeProvider time)
{
    public const string ClientName = "AdminPortal.Dispatch";
    public const int KeptResponseBytes = 4096;

    public async Task<AttemptResult> SendAsync(DeliveryTarget target, Guid deliveryId, string payload, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        // Checked at every send, not only when the playbook was added: turning AllowHttp off stops plain-http sends.
        if (target.Url.Scheme == Uri.UriSchemeHttp && !options.Value.AllowHttp)
            return new AttemptResult(null, "Plain http:// is not allowed (Dispatch:AllowHttp is off); change the playbook's URL to https://.", null, null,
                watch.Elapsed, Refused: true);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.AttemptTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, target.Url) { Content = new StringContent(payload, Encoding.UTF8, "application/json") };
            foreach (var (name, value) in WebhookSigner.Headers(deliveryId.ToString(), time.GetUtcNow(), payload, target.Secrets))
                request.Headers.TryAddWithoutValidation(name, value);
            if (target.HeaderName is not null)
                request.Headers.TryAddWithoutValidation(target.HeaderName, target.HeaderValue);
            request.Headers.UserAgent.Add(new ProductInfoHeaderValue("AdminPortal-Dispatcher", "1.0"));

            using var response = await clients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var body = await ReadStartAsync(response, timeout.Token);
            var status = (int)response.StatusCode;
            var error = status is >= 300 and < 400 ? $"Redirect to {Location(response)} not followed; set the playbook's URL to the final address." : null;
            return new AttemptResult(status, error, body, RetryAfter(response), watch.Elapsed);
        }
        catch (DispatchRefusedException e)
        {
            return new AttemptResult(null, e.Message, null, null, watch.Elapsed, Refused: true);
        }
        catch (HttpRequestException e) when (e.InnerException is DispatchRefusedException refused)
        {
            return new AttemptResult(null, refused.Message, null, null, watch.Elapsed, Refused: true);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new AttemptResult(null, $"No answer within {options.Value.AttemptTimeout.TotalSeconds:0.#} s.", null, null, watch.Elapsed);
        }
        catch (HttpRequestException e)
        {
            return new AttemptResult(null, Mask(Describe(e)), null, null, watch.Elapsed);
        }
    }

    /// <summary>The first <see cref="KeptResponseBytes"/> of the body, never more: a receiver answering 100 MB costs 4 KB.</summary>
    private static async Task<string?> ReadStartAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            var buffer = new byte[KeptResponseBytes];
            var read = 0;
            while (read < buffer.Length && await stream.ReadAsync(buffer.AsMemory(read), cancellationToken) is var n and > 0)
                read += n;
            return read == 0 ? null : Mask(Encoding.UTF8.GetString(buffer, 0, read));
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            // The status line came; a body cut short does not change the outcome.
            return null;
        }
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - DateTimeOffset.UtcNow,
        _ => null,
    };

    private static string Location(HttpResponseMessage response) =>
        response.Headers.Location is { } location ? Mask(location.IsAbsoluteUri ? location.GetLeftPart(UriPartial.Path) : location.OriginalString) : "(none)";

    private static string Describe(HttpRequestException e) =>
        e.InnerException is { } inner && inner.Message != e.Message ? $"{e.Message} ({inner.Message})" : e.Message;

    /// <summary>Masks what looks like a secret in text kept for the delivery log: keys in URLs, tokens, signing secrets.</summary>
    public static string Mask(string text) => SecretPattern().Replace(text, m => m.Groups["name"].Value + "***");

    [GeneratedRegex(@"(?<name>(?:sig|code|key|token|secret|password|apikey|api_key|access_token)[""']?\s*[=:]\s*[""']?)[^&\s""',;}]+|(?<name>whsec_)[A-Za-z0-9+/=]+|(?<name>Bearer\s+)[A-Za-z0-9\-._~+/=]+",
        RegexOptions.IgnoreCase)]
    private static partial Regex SecretPattern();
}
