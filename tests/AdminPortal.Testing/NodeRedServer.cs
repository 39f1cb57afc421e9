using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace AdminPortal.Testing;

/// <summary>
/// A real Node-RED (tests/node-red, installed by ./test.sh) on a free 127.0.0.1 port with its own user directory,
/// stopped and removed on dispose. Flows are deployed through its admin API, as an admin would import them.
/// </summary>
public sealed class NodeRedServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _userDirectory;
    private readonly StringBuilder _log;
    private readonly HttpClient _admin;

    private NodeRedServer(Process process, string userDirectory, StringBuilder log, string url)
    {
        (_process, _userDirectory, _log, Url) = (process, userDirectory, log, url);
        _admin = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
    }

    public string Url { get; }

    /// <summary>What Node-RED printed so far (for failure messages).</summary>
    public string Log
    {
        get
        {
            lock (_log)
                return _log.ToString();
        }
    }

    public static async Task<NodeRedServer> StartAsync()
    {
        var installed = Path.Combine(RepositoryRoot(), "tests", "node-red", "node_modules");
        var node = Path.Combine(installed, "node", "bin", "node");
        if (!File.Exists(node) || !File.Exists(Path.Combine(installed, "node-red", "red.js")))
            throw new InvalidOperationException($"Node-RED is not installed in {installed}: run the tests with ./test.sh, which installs it.");

        var port = FreePort();
        var userDirectory = Directory.CreateTempSubdirectory("adminportal-node-red-").FullName;
        var settings = Path.Combine(userDirectory, "settings.js");
        await File.WriteAllTextAsync(settings, $$"""
            module.exports = {
                uiHost: "127.0.0.1",
                uiPort: {{port}},
                flowFile: "flows.json",
                credentialSecret: "{{Convert.ToHexString(Guid.NewGuid().ToByteArray())}}",
                functionExternalModules: true,
                logging: { console: { level: "warn", metrics: false, audit: false } },
                editorTheme: { tours: false },
            };
            """);

        var start = new ProcessStartInfo(node)
        {
            WorkingDirectory = userDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { Path.Combine(installed, "node-red", "red.js"), "--settings", settings, "--userDir", userDirectory })
            start.ArgumentList.Add(arg);
        var process = Process.Start(start)!;
        var log = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var server = new NodeRedServer(process, userDirectory, log, $"http://127.0.0.1:{port}");
        try
        {
            await server.WaitUntilAsync(async () => (await server.TryGetAsync("/flows")) == HttpStatusCode.OK, "its admin API to answer");
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Replaces all flows (a full deploy, as the editor's Deploy button does) and waits until
    /// <paramref name="endpoint"/>, an HTTP-in path of the new flows, is routed.
    /// </summary>
    public async Task DeployAsync(JsonArray flows, string endpoint)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/flows") { Content = new StringContent(flows.ToJsonString(), Encoding.UTF8, "application/json") };
        request.Headers.Add("Node-RED-Deployment-Type", "full");
        using var response = await _admin.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.NoContent)
            throw new InvalidOperationException($"Node-RED refused the flows: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}\n{Log}");
        // The deploy answers before the new routes are live: wait until the endpoint is no longer 404.
        await WaitUntilAsync(async () => await TryPostAsync(endpoint) is { } status && status != HttpStatusCode.NotFound, $"{endpoint} to be routed");
    }

    /// <summary>
    /// samples/node-red/alert-playbook.json with its tab's settings filled in, as an admin sets them after importing:
    /// the portal's address, an API token, and the playbook's signing secret.
    /// </summary>
    public static JsonArray AlertPlaybookFlow(string portalUrl, string apiToken, string signingSecret)
    {
        var flows = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot(), "samples", "node-red", "alert-playbook.json")))!.AsArray();
        var values = new Dictionary<string, string> { ["PORTAL_URL"] = portalUrl, ["PORTAL_TOKEN"] = apiToken, ["SIGNING_SECRET"] = signingSecret };
        foreach (var variable in flows.Single(n => (string?)n!["type"] == "tab")!["env"]!.AsArray())
            variable!["value"] = values[(string)variable["name"]!];
        return flows;
    }

    /// <summary>The sample flow's HTTP-in path.</summary>
    public const string AlertPlaybookPath = "/adminportal/alert";

    public async ValueTask DisposeAsync()
    {
        _admin.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_userDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still being closed: the temporary folder is left behind, which is harmless.
        }
    }

    private async Task<HttpStatusCode?> TryGetAsync(string path)
    {
        try
        {
            using var response = await _admin.GetAsync(path);
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private async Task<HttpStatusCode?> TryPostAsync(string path)
    {
        try
        {
            using var response = await _admin.PostAsync(path, new StringContent("{}", Encoding.UTF8, "application/json"));
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"Node-RED exited (code {_process.ExitCode}) while waiting for {what}:\n{Log}");
            if (deadline.Elapsed > TimeSpan.FromSeconds(60))
                throw new TimeoutException($"Node-RED did not get ready ({what}) within 60 s:\n{Log}");
            await Task.Delay(100);
        }
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "AdminPortal.sln")))
            directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("Run the tests from a clone of the repository.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
