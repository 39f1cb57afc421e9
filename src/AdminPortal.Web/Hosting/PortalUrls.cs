using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace AdminPortal.Web.Hosting;

/// <summary>The portal's own base URL: <c>Portal:BaseUrl</c>, else the address the server listens on.</summary>
public sealed class PortalUrls(IOptions<PortalOptions> options, IConfiguration configuration, IServiceProvider services) : AdminPortal.Core.IPortalAddress
{
    public string BaseUrl
    {
        get
        {
            if (!string.IsNullOrWhiteSpace(options.Value.BaseUrl))
                return options.Value.BaseUrl.TrimEnd('/');
            var listening = services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
            var configured = (configuration["urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            return (listening ?? configured ?? "http://127.0.0.1:5080").TrimEnd('/');
        }
    }

    public string SignInLink(string secret) => $"{BaseUrl}/signin/link/{Uri.EscapeDataString(secret)}";
}
