using System.Net;
using System.Text.RegularExpressions;

namespace AdminPortal.Testing;

/// <summary>Signing in with a one-time link as a browser does: open the page, then post its form.</summary>
public static partial class SignInLinks
{
    public static async Task<HttpResponseMessage> SignInWithLinkAsync(this HttpClient client, string secret, string? returnUrl = null)
    {
        var page = await client.GetAsync($"/signin/link/{Uri.EscapeDataString(secret)}");
        if (page.StatusCode != HttpStatusCode.OK)
            throw new InvalidOperationException($"The sign-in link page answered {page.StatusCode}.");
        var html = await page.Content.ReadAsStringAsync();
        var token = AntiforgeryField().Match(html);
        if (!token.Success)
            throw new InvalidOperationException("The sign-in link page has no antiforgery field.");

        var form = new Dictionary<string, string>
        {
            ["secret"] = secret,
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value),
        };
        if (returnUrl is not null)
            form["returnUrl"] = returnUrl;
        return await client.PostAsync("/signin/link", new FormUrlEncodedContent(form));
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
