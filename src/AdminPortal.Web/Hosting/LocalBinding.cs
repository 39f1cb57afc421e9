using System.Net;
using AdminPortal.Core.Data;
using Microsoft.AspNetCore.Http;

namespace AdminPortal.Web.Hosting;

/// <summary>Local mode trusts whoever holds a sign-in link, so it listens on loopback only.</summary>
public static class LocalBinding
{
    public static void EnsureLoopbackOnly(IConfiguration configuration, LocalModeOptions options)
    {
        if (options.AllowRemote)
            return;
        var remote = ConfiguredAddresses(configuration).Where(address => !IsLoopback(address)).ToList();
        if (remote.Count > 0)
        {
            throw new StartupFailureException(
                $"Local mode listens on loopback only, but the portal is configured to listen on {string.Join(", ", remote)}. " +
                "Configure AzureAd for sign-in, use a loopback address (http://127.0.0.1:5080), or set LocalMode:AllowRemote=true.");
        }
    }

    /// <summary>Addresses from <c>urls</c> (ASPNETCORE_URLS, --urls), <c>http_ports</c>/<c>https_ports</c> and Kestrel endpoints.</summary>
    public static IEnumerable<string> ConfiguredAddresses(IConfiguration configuration)
    {
        foreach (var key in new[] { "urls", "http_ports", "https_ports" })
        {
            foreach (var value in (configuration[key] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                yield return key switch { "urls" => value, "https_ports" => $"https://*:{value}", _ => $"http://*:{value}" };
        }
        foreach (var endpoint in configuration.GetSection("Kestrel:Endpoints").GetChildren())
        {
            if (endpoint["Url"] is { Length: > 0 } url)
                yield return url;
        }
    }

    public static bool IsLoopback(string address)
    {
        string host;
        try
        {
            host = BindingAddress.Parse(address).Host;
        }
        catch (FormatException)
        {
            return false;
        }
        host = host.Trim('[', ']');
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
    }
}
