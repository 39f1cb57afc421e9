using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AdminPortal.IntegrationTests.Dispatch;

/// <summary>What a receiver got: the path, the Standard Webhooks headers and the body.</summary>
public sealed record ReceivedCall(string Path, string? WebhookId, string? Timestamp, string? Signature, string? ExtraHeader, string Body);

/// <summary>
/// A real HTTP receiver on 127.0.0.1 (Kestrel, free port) standing in for a playbook: it records every call and
/// answers as <see cref="Respond"/> says for the n-th call (1-based) to a path.
/// </summary>
public sealed class LoopbackReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Channel<ReceivedCall> _calls = Channel.CreateUnbounded<ReceivedCall>();
    private readonly Dictionary<string, int> _counts = [];
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _inFlight = new();
    private int _overlaps;

    /// <summary>(path, call number) → the answer; 200 with no body unless set.</summary>
    public Func<string, int, IResult> Respond { get; set; } = (_, _) => Results.Ok();

    private LoopbackReceiver(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = "";

    /// <summary>Times a <c>webhook-id</c> arrived while a call with the same id was still being answered.</summary>
    public int Overlaps => Volatile.Read(ref _overlaps);

    public static async Task<LoopbackReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new LoopbackReceiver(app);
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            var path = context.Request.Path.Value ?? "/";
            int count;
            lock (receiver._counts)
                count = receiver._counts[path] = receiver._counts.GetValueOrDefault(path) + 1;
            var headers = context.Request.Headers;
            var id = headers["webhook-id"].ToString();
            if (receiver._inFlight.AddOrUpdate(id, 1, (_, n) => n + 1) > 1)
                Interlocked.Increment(ref receiver._overlaps);
            try
            {
                await receiver._calls.Writer.WriteAsync(new ReceivedCall(path, id, headers["webhook-timestamp"], headers["webhook-signature"],
                    headers["X-Api-Key"], body));
                await receiver.Respond(path, count).ExecuteAsync(context);
            }
            finally
            {
                receiver._inFlight.AddOrUpdate(id, 0, (_, n) => n - 1);
            }
        });
        await app.StartAsync();
        receiver.BaseUrl = app.Urls.First().TrimEnd('/');
        return receiver;
    }

    /// <summary>The next call, waiting up to <paramref name="timeout"/> (default 15 s).</summary>
    public async Task<ReceivedCall> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        try
        {
            return await _calls.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("The receiver got no call in time.");
        }
    }

    public bool TryNext(out ReceivedCall? call) => _calls.Reader.TryRead(out call);

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
