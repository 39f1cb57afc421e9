using AdminPortal.Benchmarks;

// Each benchmark runs its baseline in the same process and reports the figure and the ratio.
// Usage: dotnet run -c Release --project tests/AdminPortal.Benchmarks -- [ingest] [alerts] [--quick]
var quick = args.Contains("--quick");
var selected = args.Where(a => !a.StartsWith("--")).ToHashSet(StringComparer.OrdinalIgnoreCase);
bool Run(string name) => selected.Count == 0 || selected.Contains(name);

var failures = 0;
if (Run("ingest"))
    failures += await IngestBenchmark.RunAsync(quick) ? 0 : 1;
if (Run("alerts"))
    failures += await AlertsListBenchmark.RunAsync(quick) ? 0 : 1;

Console.WriteLine(failures == 0 ? "All targets met." : $"{failures} benchmark(s) missed their target.");
return failures == 0 ? 0 : 1;
