using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using AdminPortal.Core.Features.Dispatch;

namespace AdminPortal.UnitTests.Dispatch;

public sealed class ConnectGuardTests : IAsyncLifetime
{
    private readonly Responder _responder = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _responder.DisposeAsync().AsTask();

    [Fact]
    public async Task Loopback_WithoutAllowedNetworks_IsRefusedNamingTheSetting()
    {
        using var client = Client(ConnectGuard.Create([]));

        var refusal = await RefusedAsync(client, $"http://127.0.0.1:{_responder.Port}/");

        Assert.Equal("127.0.0.1 is in the non-public range 127.0.0.0/8; add it to Dispatch:AllowedNetworks to allow it.", refusal.Message);
        Assert.Equal(IPAddress.Loopback, refusal.Address);
        Assert.Equal(0, _responder.Requests);
    }

    [Fact]
    public async Task Loopback_AllowedByDispatchAllowedNetworks_IsReached()
    {
        var options = new DispatchOptions { AllowedNetworks = ["127.0.0.1/32"] };
        using var client = Client(ConnectGuard.Create(options.ParsedAllowedNetworks()));

        using var response = await client.GetAsync($"http://127.0.0.1:{_responder.Port}/hook");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, _responder.Requests);
    }

    [Fact]
    public async Task Localhost_ResolvingToLoopback_IsRefusedTheSameWay()
    {
        using var client = Client(ConnectGuard.Create([]));

        var refusal = await RefusedAsync(client, $"http://localhost:{_responder.Port}/");

        Assert.True(IPAddress.IsLoopback(refusal.Address), $"{refusal.Address} is not a loopback address.");
        Assert.Contains("non-public range", refusal.Message);
        Assert.Contains("Dispatch:AllowedNetworks", refusal.Message);
        Assert.Equal(0, _responder.Requests);
    }

    [Fact]
    public async Task Ipv4MappedLoopback_IsRefusedAsTheIpv4AddressItCarries()
    {
        using var client = Client(ConnectGuard.Create([]));

        var refusal = await RefusedAsync(client, $"http://[::ffff:127.0.0.1]:{_responder.Port}/");

        Assert.Equal("127.0.0.1 is in the non-public range 127.0.0.0/8; add it to Dispatch:AllowedNetworks to allow it.", refusal.Message);
        Assert.Equal(0, _responder.Requests);
    }

    [Fact]
    public async Task Ipv4MappedLoopback_AllowedAsIpv4_IsReached()
    {
        using var client = Client(ConnectGuard.Create([IPNetwork.Parse("127.0.0.1/32")]));

        using var response = await client.GetAsync($"http://[::ffff:127.0.0.1]:{_responder.Port}/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, _responder.Requests);
    }

    [Theory]
    [InlineData("169.254.169.254", "169.254.0.0/16")] // AWS, Azure, GCP instance metadata
    [InlineData("100.100.100.200", "100.64.0.0/10")] // Alibaba Cloud metadata
    [InlineData("[fd00:ec2::254]", "fc00::/7")] // AWS metadata over IPv6
    public async Task CloudMetadataAddress_IsRefusedBeforeAnyLookupOrConnection(string host, string range)
    {
        var network = new RecordingNetwork();
        using var client = Client(network.Guard([]));

        var refusal = await RefusedAsync(client, $"http://{host}/latest/meta-data/");

        Assert.Contains($"non-public range {range};", refusal.Message);
        Assert.Empty(network.Lookups);
        Assert.Empty(network.Connections);
    }

    [Fact]
    public async Task CloudMetadataAddress_WithTheRealConnector_IsRefused()
    {
        using var client = Client(ConnectGuard.Create([IPNetwork.Parse("127.0.0.1/32")]));

        var refusal = await RefusedAsync(client, "http://169.254.169.254/latest/meta-data/");

        Assert.Equal(IPAddress.Parse("169.254.169.254"), refusal.Address);
    }

    [Theory]
    [InlineData("8.8.8.8", "10.0.0.7")]
    [InlineData("10.0.0.7", "8.8.8.8")]
    public async Task NameResolvingToAPublicAndAPrivateAddress_IsRefusedWhicheverComesFirst(string first, string second)
    {
        var network = new RecordingNetwork(IPAddress.Parse(first), IPAddress.Parse(second));
        using var client = Client(network.Guard([]));

        var refusal = await RefusedAsync(client, "http://hooks.example/flow");

        Assert.Equal(IPAddress.Parse("10.0.0.7"), refusal.Address);
        Assert.Equal(["hooks.example"], network.Lookups);
        Assert.Empty(network.Connections);
    }

    [Fact]
    public async Task NameResolvingToPublicAddresses_ConnectsToTheFirstOnTheRequestedPort()
    {
        var network = new RecordingNetwork(IPAddress.Parse("8.8.8.8"), IPAddress.Parse("1.1.1.1")) { ReachInstead = _responder.Port };
        using var client = Client(network.Guard([]));

        using var response = await client.GetAsync("http://hooks.example:8123/flow");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["hooks.example"], network.Lookups);
        Assert.Equal([new IPEndPoint(IPAddress.Parse("8.8.8.8"), 8123)], network.Connections);
    }

    [Fact]
    public async Task HostThatDoesNotResolve_FailsAsAConnectionErrorNotARefusal()
    {
        using var client = Client(ConnectGuard.Create([]));

        // .invalid never resolves (RFC 6761).
        var error = await Assert.ThrowsAnyAsync<HttpRequestException>(() => client.GetAsync("http://no-such-playbook-host.invalid/"));

        Assert.Null(DispatchRefusedException.FindIn(error));
        Assert.IsType<SocketException>(error.InnerException);
    }

    [Fact]
    public async Task ClosedPortOnAnAllowedAddress_FailsAsAConnectionErrorNotARefusal()
    {
        var closedPort = _responder.Port;
        await _responder.DisposeAsync();
        using var client = Client(ConnectGuard.Create([IPNetwork.Parse("127.0.0.0/8")]));

        var error = await Assert.ThrowsAnyAsync<HttpRequestException>(() => client.GetAsync($"http://127.0.0.1:{closedPort}/"));

        Assert.Null(DispatchRefusedException.FindIn(error));
        Assert.Equal(SocketError.ConnectionRefused, Assert.IsType<SocketException>(error.InnerException).SocketErrorCode);
    }

    private static HttpClient Client(Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> connect) =>
        new(new SocketsHttpHandler { ConnectCallback = connect, UseProxy = false, AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>The refusal, wherever <see cref="SocketsHttpHandler"/> put it in the exception it threw.</summary>
    private static async Task<DispatchRefusedException> RefusedAsync(HttpClient client, string url)
    {
        var error = await Assert.ThrowsAnyAsync<HttpRequestException>(() => client.GetAsync(url));
        var refusal = DispatchRefusedException.FindIn(error);
        Assert.True(refusal is not null, $"Not a refusal: {error}");
        return refusal;
    }

    /// <summary>Name lookups and connections the guard asks for, answered from a fixed list (never the real DNS).</summary>
    private sealed class RecordingNetwork(params IPAddress[] addresses)
    {
        private readonly ConcurrentQueue<string> _lookups = new();
        private readonly ConcurrentQueue<IPEndPoint> _connections = new();

        /// <summary>When set, connections go to this loopback port, whatever address the guard chose.</summary>
        public int? ReachInstead { get; init; }

        public IReadOnlyList<string> Lookups => [.. _lookups];

        public IReadOnlyList<IPEndPoint> Connections => [.. _connections];

        public Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> Guard(IReadOnlyList<IPNetwork> allowed) =>
            ConnectGuard.Create(
                allowed,
                (host, _) =>
                {
                    _lookups.Enqueue(host);
                    return Task.FromResult(addresses);
                },
                async (endPoint, cancellationToken) =>
                {
                    _connections.Enqueue(endPoint);
                    if (ReachInstead is not { } port)
                        throw new SocketException((int)SocketError.NetworkUnreachable);
                    var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                    await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                });
    }

    /// <summary>A minimal HTTP server on 127.0.0.1: every request gets <c>200 OK</c> with an empty body.</summary>
    private sealed class Responder : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _serving;
        private int _requests;

        public Responder()
        {
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            _serving = ServeAsync();
        }

        public int Port { get; }

        public int Requests => Volatile.Read(ref _requests);

        public async ValueTask DisposeAsync()
        {
            if (_stop.IsCancellationRequested)
                return;
            await _stop.CancelAsync();
            _listener.Stop();
            await _serving;
            _stop.Dispose();
        }

        private async Task ServeAsync()
        {
            try
            {
                while (true)
                {
                    using var connection = await _listener.AcceptTcpClientAsync(_stop.Token);
                    var stream = connection.GetStream();
                    try
                    {
                        if (!await ReadRequestHeadAsync(stream, _stop.Token))
                            continue;
                        Interlocked.Increment(ref _requests);
                        await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray(), _stop.Token);
                    }
                    catch (IOException)
                    {
                        // The client went away mid-request: serve the next one.
                    }
                }
            }
            catch (Exception e) when (_stop.IsCancellationRequested && e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }
        }

        /// <summary>Reads up to the blank line that ends the request head; false if the client went away first.</summary>
        private static async Task<bool> ReadRequestHeadAsync(NetworkStream stream, CancellationToken cancellationToken)
        {
            var buffer = new byte[8192];
            var length = 0;
            while (length < buffer.Length)
            {
                var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                    return false;
                length += read;
                if (buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8) >= 0)
                    return true;
            }

            return false;
        }
    }
}
