using AdminPortal.Core.Features.Activities;
using AdminPortal.Core.Features.Policies;

namespace AdminPortal.Core.Features.Demo;

/// <summary>What loading the demo data did.</summary>
public sealed record DemoLoadResult(
    IReadOnlyList<Policy> PoliciesCreated, IReadOnlyList<string> PoliciesSkipped, int Activities, DateTimeOffset From, DateTimeOffset To,
    int AlertsCreated, int AlertsSuppressed);

/// <summary>
/// Loads <see cref="DemoData"/> through the same services as the Policies page and the ingest API: the policies are
/// validated and audited, the activities stored in batches and evaluated, and the alerts they raise are real alerts.
/// A policy whose name is already taken is skipped, so loading twice does not duplicate them; the activities
/// are a new day's worth each time.
/// </summary>
public sealed class DemoLoader(PolicyService policies, ActivityIngestService ingest, TimeProvider time)
{
    private const int BatchSize = 1_000;

    public async Task<DemoLoadResult> LoadAsync(string actor, CancellationToken cancellationToken = default)
    {
        var existing = (await policies.AllAsync(cancellationToken)).Select(p => p.Name.Trim()).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var created = new List<Policy>();
        var skipped = new List<string>();
        foreach (var draft in DemoData.Policies())
        {
            if (existing.Contains(draft.Name))
                skipped.Add(draft.Name);
            else
                created.Add(await policies.CreateAsync(draft, actor, cancellationToken));
        }

        // Every item is read as the ingest API reads it, before anything is stored: a demo item it rejects is a bug here.
        var now = time.GetUtcNow();
        var sample = DemoData.Activities(now);
        var activities = new List<Activity>(sample.Count);
        foreach (var item in sample)
        {
            var (activity, errors) = ingest.Read(item.ToJson(), now);
            activities.Add(activity ?? throw new InvalidOperationException(
                $"Demo activity {item.ActivityType} of {item.User} was rejected: {string.Join("; ", errors.SelectMany(e => e.Value))}"));
        }

        int alerts = 0, suppressed = 0;
        foreach (var batch in activities.Chunk(BatchSize))
        {
            var (raised, held) = await ingest.StoreAsync(batch, cancellationToken);
            alerts += raised;
            suppressed += held;
        }
        return new DemoLoadResult(created, skipped, activities.Count, sample[0].Timestamp, sample[^1].Timestamp, alerts, suppressed);
    }
}
