using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace AdminPortal.Web.Features.ApiTokens;

/// <summary>
/// Slows down guessing: after too many failed token attempts from one client address within a
/// window, that address gets 429 until the window ends (without a database lookup).
/// </summary>
public sealed class BadTokenThrottle(IOptions<ApiOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Window> _windows = new();

    private sealed record Window(DateTimeOffset Start, int Failures);

    public void RecordFailure(string clientAddress)
    {
        var now = time.GetUtcNow();
        _windows.AddOrUpdate(clientAddress,
            _ => new Window(now, 1),
            (_, window) => now - window.Start >= options.Value.BadTokenWindow ? new Window(now, 1) : window with { Failures = window.Failures + 1 });
        if (_windows.Count > 10_000)
            Prune(now);
    }

    public bool IsThrottled(string clientAddress, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (!_windows.TryGetValue(clientAddress, out var window))
            return false;
        var ends = window.Start + options.Value.BadTokenWindow;
        var now = time.GetUtcNow();
        if (window.Failures < options.Value.BadTokenAttemptsPerWindow || now >= ends)
            return false;
        retryAfter = ends - now;
        return true;
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var (address, window) in _windows)
        {
            if (now - window.Start >= options.Value.BadTokenWindow)
                _windows.TryRemove(address, out _);
        }
    }
}
