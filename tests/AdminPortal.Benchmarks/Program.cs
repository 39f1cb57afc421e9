using AdminPortal.Benchmarks;

// Each benchmark runs its baseline in the same process and reports the figure and the ratio.
// Usage: dotnet run -c Release --project tests/AdminPortal.Benchmarks -- [ingest] [alerts] [page] [dispatch] [email] [--quick]
var quick = args.Contains("--quick");

// WebApplicationFactory finds the web project's folder through an attribute only test projects get; point at it.
var root = new DirectoryInfo(AppContext.BaseDirectory);
while (root is not null && !File.Exists(Path.Combine(root.FullName, "AdminPortal.sln")))
    root = root.Parent;
Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_ADMINPORTAL_WEB",
    Path.Combine(root?.FullName ?? throw new InvalidOperationException("Run from a clone of the repository."), "src", "AdminPortal.Web"));
var selected = args.Where(a => !a.StartsWith("--")).ToHashSet(StringComparer.OrdinalIgnoreCase);
bool Run(string name) => selected.Count == 0 || selected.Contains(name);

var failures = 0;
if (Run("ingest"))
    failures += await IngestBenchmark.RunAsync(quick) ? 0 : 1;
if (Run("alerts"))
    failures += await AlertsListBenchmark.RunAsync(quick) ? 0 : 1;
if (Run("page"))
    failures += await AlertsPageBenchmark.RunAsync(quick) ? 0 : 1;
if (Run("dispatch"))
    failures += await DispatchBenchmark.RunAsync(quick) ? 0 : 1;
if (Run("email"))
    failures += await EmailBenchmark.RunAsync(quick) ? 0 : 1;

Console.WriteLine(failures == 0 ? "All targets met." : $"{failures} benchmark(s) missed their target.");
return failures == 0 ? 0 : 1;
