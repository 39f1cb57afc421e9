using System.Diagnostics;
using System.Text.Json;
using AdminPortal.Core.Features.Activities;
using AdminPortal.Core.Features.Alerts;
using AdminPortal.Core.Features.Dispatch;
using AdminPortal.Core.Features.Policies;
using AdminPortal.Core;
using AdminPortal.Core.Data;
using AdminPortal.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace AdminPortal.Benchmarks;

/// <summary>
/// Issue 4: "Ingest ≥ 20,000 activities/s against 100 enabled policies on SQLite (batches of 1,000)".
/// The path of <c>POST /activities/ingest/</c> minus HTTP: parse the JSON body, validate each item, store and
/// evaluate in one transaction. Baseline in the same run: the same batches with no policy enabled.
/// </summary>
public static class IngestBenchmark
{
    public const double TargetPerSecond = 20_000;

    public static async Task<bool> RunAsync(bool quick)
    {
        var count = quick ? 20_000 : 200_000;
        const int batchSize = 1_000;
        var start = DateTimeOffset.UtcNow.AddDays(-1);
        var batches = Workload.ActivityBatches(count, batchSize, start);
        Console.WriteLine($"== Ingest: {count:N0} activities in batches of {batchSize:N0}, SQLite file");

        var parseOnly = await ParseOnlyAsync(batches, start);
        Console.WriteLine($"   parse + validate only:    {parseOnly,10:N0} activities/s");
        var baseline = await MeasureAsync(batches, policies: 0, start);
        var measured = await MeasureAsync(batches, policies: 100, start);
        var ratio = measured.PerSecond / baseline.PerSecond;
        Console.WriteLine($"   no policies (baseline):  {baseline.PerSecond,10:N0} activities/s");
        Console.WriteLine($"   100 enabled policies:     {measured.PerSecond,10:N0} activities/s  ({ratio:P0} of baseline; {measured.Alerts:N0} alerts raised, {measured.Suppressed:N0} suppressed)");
        var met = measured.PerSecond >= TargetPerSecond;
        Console.WriteLine($"   target ≥ {TargetPerSecond:N0}/s: {(met ? "met" : "MISSED")}");
        return met;
    }

    private static async Task<double> ParseOnlyAsync(List<byte[]> batches, DateTimeOffset start)
    {
        await using var database = await TestDatabase.CreateAsync();
        var ingest = new ActivityIngestService(database, new PolicyCatalog(NullLogger<PolicyCatalog>.Instance),
            new AlertOutbox(new FixedPortalAddress("http://127.0.0.1:5080")), new AlertSignal(), new SqliteWriteGate(), TimeProvider.System,
            NullLogger<ActivityIngestService>.Instance);
        var watch = Stopwatch.StartNew();
        var count = 0;
        var now = TimeProvider.System.GetUtcNow();
        foreach (var body in batches)
        {
            using var document = JsonDocument.Parse(body);
            foreach (var item in document.RootElement.EnumerateArray())
                count += ingest.Read(item, now).Activity is null ? 0 : 1;
        }
        return count / watch.Elapsed.TotalSeconds;
    }

    private sealed record Result(double PerSecond, int Alerts, int Suppressed);

    private static async Task<Result> MeasureAsync(List<byte[]> batches, int policies, DateTimeOffset start)
    {
        await using var database = await TestDatabase.CreateAsync();
        var time = TimeProvider.System;
        var policyService = new PolicyService(database, time);
        foreach (var draft in Workload.Policies().Take(policies))
            await policyService.CreateAsync(draft, "admin@contoso.com");
        var ingest = new ActivityIngestService(database, new PolicyCatalog(NullLogger<PolicyCatalog>.Instance),
            new AlertOutbox(new FixedPortalAddress("http://127.0.0.1:5080")), new AlertSignal(), new SqliteWriteGate(), time,
            NullLogger<ActivityIngestService>.Instance);

        // Warm-up on a throwaway batch: JIT and the compiled policy cache, not the measured rows.
        using (var warm = JsonDocument.Parse(Workload.ActivityBatches(10, 10, start.AddDays(-2))[0]))
            await ingest.IngestAsync(warm.RootElement.EnumerateArray().ToList());

        int alerts = 0, suppressed = 0, accepted = 0;
        var pauseBefore = GC.GetTotalPauseDuration();
        var gen2Before = GC.CollectionCount(2);
        var watch = Stopwatch.StartNew();
        foreach (var body in batches)
        {
            using var document = JsonDocument.Parse(body);
            var result = await ingest.IngestAsync(document.RootElement.EnumerateArray().ToList());
            if (result.Rejected.Count > 0)
                throw new InvalidOperationException($"The workload has invalid items: {JsonSerializer.Serialize(result.Rejected[0])}");
            accepted += result.Accepted;
            alerts += result.AlertsCreated;
            suppressed += result.AlertsSuppressed;
        }
        watch.Stop();
        Console.WriteLine($"   (GC pauses {(GC.GetTotalPauseDuration() - pauseBefore).TotalMilliseconds:F0} ms of {watch.Elapsed.TotalMilliseconds:F0} ms; gen2 collections {GC.CollectionCount(2) - gen2Before})");
        return new Result(accepted / watch.Elapsed.TotalSeconds, alerts, suppressed);
    }
}
