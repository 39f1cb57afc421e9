using System.Diagnostics;

namespace AdminPortal.Testing;

/// <summary>Waits for state that another thread (a dispatcher, a sender, a Node-RED flow) brings about: reads it again until it holds.</summary>
public static class Eventually
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Reads until <paramref name="condition"/> holds and returns that value; after <paramref name="timeout"/> throws a
    /// <see cref="TimeoutException"/> whose message is "<paramref name="what"/> not as expected in time: " followed by
    /// <paramref name="describe"/> of the last value read.
    /// </summary>
    public static async Task<T> WaitAsync<T>(Func<Task<T>> read, Func<T, bool> condition, string what, Func<T, string> describe, TimeSpan timeout)
    {
        var elapsed = Stopwatch.StartNew(); // monotonic: unaffected by changes to the wall clock
        while (true)
        {
            var value = await read();
            if (condition(value))
                return value;
            // Checked after a read, so the last value described is at least as late as the deadline.
            if (elapsed.Elapsed > timeout)
                throw new TimeoutException($"{what} not as expected in time: {describe(value)}");
            await Task.Delay(Interval);
        }
    }
}
