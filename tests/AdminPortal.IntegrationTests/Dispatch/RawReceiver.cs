using System.Net;
using System.Net.Sockets;

namespace AdminPortal.IntegrationTests.Dispatch;

/// <summary>
/// A TCP server on 127.0.0.1 that misbehaves on purpose (endless bodies, slow drips, garbage, hang-ups): each
/// connection is handed to <paramref name="serve"/> after the request's headers have been read.
/// </summary>
public sealed class RawReceiver : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<NetworkStream, CancellationToken, Task> _serve;
    private readonly Task _accepting;
    private int _connections;

    public RawReceiver(Func<NetworkStream, CancellationToken, Task> serve)
    {
        _serve = serve;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public string BaseUrl => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>Connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }
            Interlocked.Increment(ref _connections);
            _ = Task.Run(async () =>
            {
                using (client)
                {
                    try
                    {
                        var stream = client.GetStream();
                        await ReadHeadersAsync(stream, _stop.Token);
                        await _serve(stream, _stop.Token);
                    }
                    catch (Exception)
                    {
                        // The dispatcher hung up, or the test ended: either is the point.
                    }
                }
            });
        }
    }

    /// <summary>Reads up to the blank line that ends the request headers (the body is left unread).</summary>
    private static async Task ReadHeadersAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[1];
        var tail = 0u;
        while (tail != 0x0D0A0D0A && await stream.ReadAsync(buffer, cancellationToken) == 1)
            tail = (tail << 8) | buffer[0];
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
    }
}
