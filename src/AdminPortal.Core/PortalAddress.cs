using Microsoft.Extensions.Configuration;

namespace AdminPortal.Core;

/// <summary>The portal's own base URL, for links in what it sends out (alert URLs in playbook payloads).</summary>
public interface IPortalAddress
{
    string BaseUrl { get; }
}

/// <summary>Outside the web app (the CLI): <c>Portal:BaseUrl</c>, else the default local address.</summary>
internal sealed class ConfiguredPortalAddress(IConfiguration configuration) : IPortalAddress
{
    public string BaseUrl => (configuration["Portal:BaseUrl"] is { Length: > 0 } url ? url : "http://127.0.0.1:5080").TrimEnd('/');
}

/// <summary>A base URL known up front (tests, tools).</summary>
public sealed record FixedPortalAddress(string BaseUrl) : IPortalAddress;
