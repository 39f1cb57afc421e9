namespace AdminPortal.Core.Features.Dispatch;

/// <summary>A delivery this instance has leased, with where to send it.</summary>
internal sealed record Claimed(Delivery Delivery, DeliveryTarget? Target, string Lease, DateTimeOffset LeaseExpiresAt);

/// <summary>
/// What one dispatcher holds: deliveries being sent (at most <see cref="DispatchOptions.MaxConcurrency"/>, and
/// <see cref="DispatchOptions.PerPlaybookConcurrency"/> per playbook) and deliveries claimed ahead, waiting for a
/// slot. A finished send starts the next waiting one at once, without a database round trip.
/// <para>
/// How far ahead a playbook is claimed follows its pace: twice its concurrency cap, or about two seconds of what
/// it finished lately if that is more (counted over the last quarter to half second, so it grows within a pass or
/// two). A fast receiver gets a deep queue; one that hangs holds a few leases only, so it cannot fill the queue
/// and hold up the others.
/// </para>
/// </summary>
internal sealed class DispatchSlots(DispatchOptions settings, TimeProvider time, Func<Claimed, Task> send, Action roomMade)
{
    /// <summary>Claimed and unfinished deliveries of all playbooks together (their payloads are in memory).</summary>
    public const int MaxHeld = 10_000;

    private readonly Lock _lock = new();
    private readonly HashSet<Task> _sending = [];
    private readonly Dictionary<Guid, int> _sendingTo = [];
    /// <summary>Waiting for a slot, oldest claim first.</summary>
    private readonly LinkedList<Claimed> _ready = [];
    /// <summary>Per playbook, sending plus waiting plus leased in a transaction not yet committed.</summary>
    private readonly Dictionary<Guid, int> _held = [];
    private int _reserved;
    /// <summary>
    /// Playbooks with due deliveries left in the database for want of room: a send of theirs that finishes calls for
    /// a claim pass. (Others finishing do not: a pass would find nothing new.)
    /// </summary>
    private readonly HashSet<Guid> _behind = [];
    /// <summary>A pass is looking, or the last one could not take all it saw: any finished send calls for another.</summary>
    private bool _looking;
    /// <summary>Per playbook, sends finished in the current quarter second and the one before.</summary>
    private readonly Dictionary<Guid, (long Quarter, int ThisQuarter, int LastQuarter)> _pace = [];
    private bool _stopped;

    /// <summary>Deliveries claimed or leased and not yet finished.</summary>
    public int Held
    {
        get
        {
            lock (_lock)
                return _sending.Count + _ready.Count + _reserved;
        }
    }

    /// <summary>A claim pass starts: how many more deliveries may be claimed, and the playbooks that may not have more.</summary>
    public (int Room, HashSet<Guid> Full) BeginPass()
    {
        lock (_lock)
        {
            var full = _held.Where(p => p.Value >= Bound(p.Key)).Select(p => p.Key).ToHashSet();
            // The pass looks again for everyone else; a full playbook's rows stay unlooked-at until it has room.
            _behind.RemoveWhere(p => !full.Contains(p));
            _looking = true;
            return (MaxHeld - _sending.Count - _ready.Count - _reserved, full);
        }
    }

    /// <summary>A claim pass ended: it could not look at or take everything due, or these playbooks had more due than they could take.</summary>
    public void EndPass(bool incomplete, IEnumerable<Guid> behind)
    {
        lock (_lock)
        {
            _looking = incomplete;
            _behind.UnionWith(behind);
        }
    }

    /// <summary>
    /// For deliveries being written (in order): whether each may be leased to this instance now. Granted ones are
    /// counted as held until <see cref="AddReserved"/> or <see cref="Unreserve"/>.
    /// </summary>
    public bool[] Reserve(IReadOnlyList<Guid> playbookIds)
    {
        var granted = new bool[playbookIds.Count];
        lock (_lock)
        {
            for (var i = 0; i < playbookIds.Count; i++)
            {
                var playbookId = playbookIds[i];
                if (!_stopped && _sending.Count + _ready.Count + _reserved < MaxHeld && _held.GetValueOrDefault(playbookId) < Bound(playbookId))
                {
                    granted[i] = true;
                    _reserved++;
                    Increment(_held, playbookId);
                }
            }
        }
        return granted;
    }

    /// <summary>
    /// Their transaction committed: the reserved deliveries wait for a slot like claimed ones; the playbooks of those
    /// written as pending are behind, and a pass looks for them now if they have room already.
    /// </summary>
    public void AddReserved(IReadOnlyList<Claimed> claimed, IReadOnlyCollection<Guid> behind)
    {
        bool look;
        lock (_lock)
        {
            _reserved -= claimed.Count;
            foreach (var delivery in claimed)
                _ready.AddLast(delivery);
            StartReady();
            _behind.UnionWith(behind);
            look = behind.Any(p => _held.GetValueOrDefault(p) < Bound(p));
        }
        if (look)
            roomMade();
    }

    /// <summary>Their transaction failed: nothing was written.</summary>
    public void Unreserve(IReadOnlyList<Claimed> claimed)
    {
        lock (_lock)
        {
            _reserved -= claimed.Count;
            foreach (var delivery in claimed)
                Decrement(_held, delivery.Delivery.PlaybookId);
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
            if (!_looking && !_behind.Contains(playbookId))
                return;
        }
        roomMade();
    }

    private long Quarter() => time.GetUtcNow().ToUnixTimeMilliseconds() / 250;

    private static void Increment(Dictionary<Guid, int> counts, Guid key) => counts[key] = counts.GetValueOrDefault(key) + 1;

    private static void Decrement(Dictionary<Guid, int> counts, Guid key)
    {
        if (--counts[key] == 0)
            counts.Remove(key);
    }
}
