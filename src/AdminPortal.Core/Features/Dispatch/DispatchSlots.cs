namespace AdminPortal.Core.Features.Dispatch;

/// <summary>A delivery this instance has leased, with where to send it.</summary>
internal sealed record Claimed(Delivery Delivery, DeliveryTarget? Target, string Lease, DateTimeOffset LeaseExpiresAt);

/// <summary>
/// What one dispatcher holds: deliveries being sent (at most <see cref="DispatchOptions.MaxConcurrency"/>, and
/// <see cref="DispatchOptions.PerPlaybookConcurrency"/> per playbook) and deliveries claimed ahead, waiting for a
/// slot. A finished send starts the next waiting one at once, without a database round trip.
/// <para>
/// How far ahead a playbook is claimed follows its pace: twice its concurrency cap, or about two seconds of what
/// it finished lately if that is more (measured over the last quarter to half second, so it grows within one pass). A fast receiver gets a deep queue; one that hangs holds a few
/// leases only, so it cannot fill the queue and hold up the others.
/// </para>
/// </summary>
internal sealed class DispatchSlots(DispatchOptions settings, TimeProvider time, Func<Claimed, Task> send, Action finished)
{
    /// <summary>Claimed and unfinished deliveries of all playbooks together (their payloads are in memory).</summary>
    public const int MaxHeld = 10_000;

    private readonly Lock _lock = new();
    private readonly HashSet<Task> _sending = [];
    private readonly Dictionary<Guid, int> _sendingTo = [];
    /// <summary>Waiting for a slot, oldest claim first.</summary>
    private readonly LinkedList<Claimed> _ready = [];
    /// <summary>Per playbook, sending plus waiting.</summary>
    private readonly Dictionary<Guid, int> _held = [];
    /// <summary>Per playbook, sends finished in the current quarter second and the one before.</summary>
    private readonly Dictionary<Guid, (long Quarter, int ThisQuarter, int LastQuarter)> _pace = [];
    private bool _stopped;

    /// <summary>How many more deliveries may be claimed, and the playbooks that may not have more.</summary>
    public (int Room, HashSet<Guid> Full) Room()
    {
        lock (_lock)
        {
            var full = _held.Where(p => p.Value >= Bound(p.Key)).Select(p => p.Key).ToHashSet();
            return (MaxHeld - _sending.Count - _ready.Count, full);
        }
    }

    /// <summary>Picks from <paramref name="candidates"/> (oldest first) what fits the limits, up to <paramref name="room"/>.</summary>
    public List<Guid> Pick(IEnumerable<(Guid Id, Guid PlaybookId)> candidates, int room)
    {
        var picked = new List<Guid>();
        var taken = new Dictionary<Guid, int>();
        lock (_lock)
        {
            foreach (var (id, playbookId) in candidates)
            {
                var held = _held.GetValueOrDefault(playbookId) + taken.GetValueOrDefault(playbookId);
                if (picked.Count >= room || held >= Bound(playbookId))
                    continue;
                taken[playbookId] = taken.GetValueOrDefault(playbookId) + 1;
                picked.Add(id);
            }
        }
        return picked;
    }

    /// <summary>Takes claimed deliveries and starts as many as there are slots for.</summary>
    public void Add(IEnumerable<Claimed> claimed)
    {
        lock (_lock)
        {
            foreach (var delivery in claimed)
            {
                _ready.AddLast(delivery);
                Increment(_held, delivery.Delivery.PlaybookId);
            }
            StartReady();
        }
    }

    /// <summary>Stops starting sends; returns the deliveries still waiting (to hand back) and the sends in flight.</summary>
    public (List<Claimed> Unsent, Task[] Sending) Stop()
    {
        lock (_lock)
        {
            _stopped = true;
            var unsent = _ready.ToList();
            _ready.Clear();
            return (unsent, [.. _sending]);
        }
    }

    private int Bound(Guid playbookId)
    {
        var (quarter, thisQuarter, lastQuarter) = _pace.GetValueOrDefault(playbookId);
        var now = Quarter();
        var recent = quarter == now ? thisQuarter + lastQuarter : quarter == now - 1 ? thisQuarter : 0;
        return Math.Min(MaxHeld, Math.Max(2 * settings.PerPlaybookConcurrency, 4 * recent));
    }

    /// <summary>Starts waiting deliveries, oldest first, while there are free slots and their playbook is under its cap.</summary>
    private void StartReady()
    {
        var now = time.GetUtcNow();
        for (var node = _ready.First; node is not null && _sending.Count < settings.MaxConcurrency && !_stopped;)
        {
            var next = node.Next;
            var claimed = node.Value;
            var playbookId = claimed.Delivery.PlaybookId;
            if (claimed.LeaseExpiresAt < now + settings.AttemptTimeout)
            {
                // Waited too long for a slot: the lease could run out mid-send and another instance send it too.
                // It stays leased until then, and is claimed again afterwards like any expired lease.
                _ready.Remove(node);
                Decrement(_held, playbookId);
            }
            else if (_sendingTo.GetValueOrDefault(playbookId) < settings.PerPlaybookConcurrency)
            {
                _ready.Remove(node);
                Increment(_sendingTo, playbookId);
                // Started on the pool: the first steps of a send must not run inside this lock.
                var task = Task.Run(() => send(claimed), CancellationToken.None);
                _sending.Add(task);
                _ = task.ContinueWith(Finished, playbookId, TaskScheduler.Default);
            }
            node = next;
        }
    }

    private void Finished(Task task, object? state)
    {
        var playbookId = (Guid)state!;
        lock (_lock)
        {
            _sending.Remove(task);
            Decrement(_sendingTo, playbookId);
            Decrement(_held, playbookId);
            var quarter = Quarter();
            var pace = _pace.GetValueOrDefault(playbookId);
            _pace[playbookId] = pace.Quarter == quarter ? pace with { ThisQuarter = pace.ThisQuarter + 1 }
                : (quarter, 1, pace.Quarter == quarter - 1 ? pace.ThisQuarter : 0);
            StartReady();
        }
        finished();
    }

    private long Quarter() => time.GetUtcNow().ToUnixTimeMilliseconds() / 250;

    private static void Increment(Dictionary<Guid, int> counts, Guid key) => counts[key] = counts.GetValueOrDefault(key) + 1;

    private static void Decrement(Dictionary<Guid, int> counts, Guid key)
    {
        if (--counts[key] == 0)
            counts.Remove(key);
    }
}
