using System.CommandLine;
using Stopwatch = System.Diagnostics.Stopwatch;
using System.Text.Json;
using AdminPortal.Core.Features.Activities;

namespace AdminPortal.Web.Cli;

/// <summary>
/// <c>ingest FILE.jsonl</c>: one activity per line, stored and evaluated in batches (one transaction each),
/// with a progress bar on stderr and a summary on stdout. Exit code 0 = all lines taken, 2 = some rejected.
/// </summary>
public static class IngestCommand
{
    public const int RejectedExitCode = 2;
    private const int RejectionsShown = 20;

    public static Command Create(Func<ParseResult, Func<IServiceProvider, Task>, Task<int>> withHost)
    {
        var file = new Argument<string>("file") { Description = "A JSON Lines file of activities (one JSON object per line), or - for standard input" };
        var batchSize = new Option<int>("--batch-size") { Description = "Activities per transaction", DefaultValueFactory = _ => 1000 };
        batchSize.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 10_000)
                result.AddError("--batch-size must be between 1 and 10000.");
        });
        var command = new Command("ingest", "Ingest activities from a JSON Lines file and evaluate them against the enabled policies.") { file, batchSize };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(file)!;
            if (path != "-" && !File.Exists(path))
            {
                await Console.Error.WriteLineAsync($"No such file: {path}");
                return 1;
            }
            var rejectedAny = false;
            var exit = await withHost(parse, async services =>
            {
                var summary = await RunAsync(services.GetRequiredService<ActivityIngestService>(), services.GetRequiredService<TimeProvider>(),
                    path, parse.GetValue(batchSize), cancellationToken);
                rejectedAny = summary.Rejected > 0;
            });
            return exit == 0 && rejectedAny ? RejectedExitCode : exit;
        });
        return command;
    }

    private sealed record Summary(int Accepted, int Rejected, int AlertsCreated, int AlertsSuppressed);

    private static async Task<Summary> RunAsync(ActivityIngestService ingest, TimeProvider time, string path, int batchSize, CancellationToken cancellationToken)
    {
        await using var stream = path == "-" ? Console.OpenStandardInput() : File.OpenRead(path);
        using var reader = new StreamReader(stream);
        var progress = new ProgressBar(path == "-" ? null : stream.Length);
        var batch = new List<Activity>(batchSize);
        int accepted = 0, rejected = 0, created = 0, suppressed = 0, lineNumber = 0;

        async Task FlushAsync()
        {
            var (alerts, held) = await ingest.StoreAsync(batch, cancellationToken);
            accepted += batch.Count;
            created += alerts;
            suppressed += held;
            batch.Clear();
            progress.Report(stream.CanSeek ? stream.Position : null, lineNumber, rejected, created);
        }

        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
                continue;
            IReadOnlyDictionary<string, string[]>? errors = null;
            try
            {
                using var document = JsonDocument.Parse(line);
                var (activity, problems) = ingest.Read(document.RootElement, time.GetUtcNow());
                if (activity is not null)
                    batch.Add(activity);
                else
                    errors = problems;
            }
            catch (JsonException)
            {
                errors = new Dictionary<string, string[]> { ["line"] = ["not valid JSON"] };
            }
            if (errors is not null)
            {
                rejected++;
                if (rejected <= RejectionsShown)
                    progress.Message($"line {lineNumber}: {string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"))}");
            }
            if (batch.Count >= batchSize)
                await FlushAsync();
        }
        if (batch.Count > 0)
            await FlushAsync();
        progress.Done();
        if (rejected > RejectionsShown)
            await Console.Error.WriteLineAsync($"… and {rejected - RejectionsShown} more rejected lines.");

        var elapsed = progress.Elapsed.TotalSeconds;
        Console.WriteLine($"Accepted {accepted:N0}, rejected {rejected:N0}, alerts created {created:N0}, alerts suppressed by daily limits {suppressed:N0}" +
                          $" ({(elapsed > 0 ? accepted / elapsed : 0):N0} activities/s).");
        return new Summary(accepted, rejected, created, suppressed);
    }

    /// <summary>A one-line bar on an interactive stderr; plain lines every few seconds when redirected (CI logs).</summary>
    private sealed class ProgressBar(long? totalBytes)
    {
        private readonly Stopwatch _watch = Stopwatch.StartNew();
        private readonly bool _interactive = !Console.IsErrorRedirected;
        private TimeSpan _lastLine = TimeSpan.Zero;

        public TimeSpan Elapsed => _watch.Elapsed;

        public void Report(long? bytes, int lines, int rejected, int alerts)
        {
            var share = bytes is { } done && totalBytes is > 0 ? Math.Clamp((double)done / totalBytes.Value, 0, 1) : (double?)null;
            var bar = share is { } s ? $"[{new string('#', (int)(s * 30)).PadRight(30, '.')}] {s:P0} " : "";
            var text = $"{bar}{lines:N0} lines, {rejected:N0} rejected, {alerts:N0} alerts";
            if (_interactive)
                Console.Error.Write($"\r{text}   ");
            else if (_watch.Elapsed - _lastLine >= TimeSpan.FromSeconds(5))
            {
                Console.Error.WriteLine(text);
                _lastLine = _watch.Elapsed;
            }
        }

        public void Message(string text)
        {
            if (_interactive)
                Console.Error.Write("\r");
            Console.Error.WriteLine(text);
        }

        public void Done()
        {
            if (_interactive)
                Console.Error.WriteLine();
        }
    }
}
