using System.Net;
using System.Net.Http;
using System.Net.Sockets;

namespace AdminPortal.Core.Features.Dispatch;

/// <summary>
/// The SSRF guard, checked where it cannot be fooled: at connect time, on the addresses the host name resolved to,
/// not on the URL text. Use it as <see cref="SocketsHttpHandler.ConnectCallback"/> with <c>UseProxy = false</c>
/// (through a proxy the callback would only see the proxy's address).
/// </summary>
public static class ConnectGuard
{
    /// <summary>
    /// A connect callback that refuses, with a <see cref="DispatchRefusedException"/>, any host whose addresses are
    /// not public and not in <paramref name="allowed"/> (see <see cref="NetworkRules.Refusal"/>).
    /// </summary>
    public static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> Create(IReadOnlyList<IPNetwork> allowed) =>
        Create(allowed, Dns.GetHostAddressesAsync, ConnectAsync);

    /// <summary>The same, with the name lookup and the connection supplied (tests observe both).</summary>
    internal static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> Create(
        IReadOnlyList<IPNetwork> allowed,
        Func<string, CancellationToken, Task<IPAddress[]>> resolve,
        Func<IPEndPoint, CancellationToken, ValueTask<Stream>> connect)
    {
        IReadOnlyList<IPNetwork> networks = [.. allowed];
        return async (context, cancellationToken) =>
        {
            var host = context.DnsEndPoint.Host;
            var addresses = IPAddress.TryParse(host.TrimStart('[').TrimEnd(']'), out var literal)
                ? [literal]
                : await resolve(host, cancellationToken).ConfigureAwait(false);
            if (addresses.Length == 0)
                throw new SocketException((int)SocketError.HostNotFound);

            // Every address is judged, and one refused address refuses the host. Connecting to the address that was
            // checked (never resolving a second time) is what defeats DNS rebinding; refusing mixed answers as well
            // means a name that also points inside the network is never half-trusted, whatever order the resolver
            // returns the addresses in or however a later change picks among them.
            foreach (var address in addresses)
            {
                if (NetworkRules.Refusal(address, networks) is { } reason)
                    throw new DispatchRefusedException(address, reason);
            }

            // An IPv4-mapped address was judged as the IPv4 address it carries: connect to that one too.
            var target = addresses[0].IsIPv4MappedToIPv6 ? addresses[0].MapToIPv4() : addresses[0];
            return await connect(new IPEndPoint(target, context.DnsEndPoint.Port), cancellationToken).ConfigureAwait(false);
        };
    }

    private static async ValueTask<Stream> ConnectAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

/// <summary>
/// A delivery the SSRF guard would not let through. <see cref="SocketsHttpHandler"/> wraps what a connect callback
/// throws in an <see cref="HttpRequestException"/> of its own: find this one with <see cref="FindIn"/>.
/// </summary>
public sealed class DispatchRefusedException(IPAddress address, string reason) : HttpRequestException(reason)
{
    /// <summary>The resolved address that was refused.</summary>
    public IPAddress Address { get; } = address;

    /// <summary>The refusal behind <paramref name="exception"/> (itself or one of its inner exceptions), or null.</summary>
    public static DispatchRefusedException? FindIn(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is DispatchRefusedException refused)
                return refused;
        }

        return null;
    }
}
