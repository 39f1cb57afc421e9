using System.Diagnostics;
using AdminPortal.ComponentTests.Alerts;
using AdminPortal.Core.Features.Users;
using AdminPortal.Web.Features.Alerts;
using Bunit;
using Microsoft.EntityFrameworkCore;

namespace AdminPortal.Benchmarks;

/// <summary>
/// Issue 4: "Alerts page first render ≤ 300 ms server time" with 1,000,000 alerts in SQLite: from rendering the
/// page (as an operator, with selection boxes) until its grid shows the first page of rows — the server's
/// work for a first view, without network or browser. Baseline in the same run: the same page on an empty database.
/// </summary>
public sealed class AlertsPageBenchmark : AlertsComponentTest
{
    public const double TargetMs = 300;

    public static async Task<bool> RunAsync(bool quick)
    {
        var count = quick ? 20_000 : 1_000_000;
        Console.WriteLine($"== Alerts page first render: {count:N0} alerts in SQLite");
        double baseline;
        await using (var empty = new AlertsPageBenchmark())
            baseline = await empty.MeasureAsync(0);
        await using var full = new AlertsPageBenchmark();
        var times = await full.MeasureTimesAsync(count);
        var p95 = Workload.P95(times);
        Console.WriteLine($"   empty database (baseline): p50 {baseline:F0} ms");
        Console.WriteLine($"   {count:N0} alerts:        {Workload.Describe(times)} ({p95 / baseline:F1}× baseline)");
        var met = p95 <= TargetMs;
        Console.WriteLine($"   target ≤ {TargetMs} ms: {(met ? "met" : "MISSED")}");
        return met;
    }

    private async Task<double> MeasureAsync(int alerts) => (await MeasureTimesAsync(alerts)).Order().ElementAt(5);

    private async Task<List<double>> MeasureTimesAsync(int alerts)
    {
        await SignInAsync("olivia@contoso.com", PortalRole.SecurityOperator);
        var policyIds = new List<string>();
        foreach (var draft in Workload.Policies().Take(20))
            policyIds.Add((await Policies.CreateAsync(draft, "admin@contoso.com")).Id);
        if (alerts > 0)
        {
            await using var db = await Contexts.CreateDbContextAsync();
            await AlertSeeder.SeedAsync(db.Database.GetDbConnection().DataSource, alerts, policyIds, Time.GetUtcNow());
        }

        var times = new List<double>();
        for (var i = 0; i < 12; i++)
        {
            var watch = Stopwatch.StartNew();
            var page = Render<AlertsPage>();
            page.WaitForState(() => page.FindAll("[data-testid^=alert-row-]").Count > 0 || alerts == 0 && page.Markup.Contains("No alerts"),
                TimeSpan.FromSeconds(60));
            watch.Stop();
            if (i >= 2) // the first renders pay for JIT compilation, not for the data
                times.Add(watch.Elapsed.TotalMilliseconds);
            page.Dispose();
        }
        return times;
    }
}
