using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;

namespace AdminPortal.Core.Features.Playbooks;

/// <summary>
/// Callback URLs, extra header values and signing secrets at rest: encrypted with ASP.NET Core Data Protection, whose
/// keys live in the database so every instance can read what another wrote.
/// </summary>
public sealed class PlaybookSecrets(IDataProtectionProvider protection)
{
    private readonly IDataProtector _protector = protection.CreateProtector("AdminPortal.Playbooks.v1");

    public string Protect(string value) => _protector.Protect(value);

    public string Unprotect(string protectedValue) => _protector.Unprotect(protectedValue);

    /// <summary>Finds a re-registration of the same callback URL without decrypting every row.</summary>
    public static byte[] Hash(string url) => SHA256.HashData(Encoding.UTF8.GetBytes(url));

    /// <summary>A Standard Webhooks secret: <c>whsec_</c> and 32 random bytes in base64.</summary>
    public static string NewSigningSecret() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>Scheme, host and the start of the path only: the query (Power Automate's <c>sig=</c> key) never shows.</summary>
    public static string Mask(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
            return "(invalid URL)";
        var path = uri.AbsolutePath;
        var shown = path.Length > 12 ? path[..12] + "…" : path;
        var port = uri.IsDefaultPort ? "" : $":{uri.Port}";
        return $"{uri.Scheme}://{uri.Host}{port}{shown}" + (uri.Query.Length > 0 && path.Length <= 12 ? "?…" : "");
    }
}
