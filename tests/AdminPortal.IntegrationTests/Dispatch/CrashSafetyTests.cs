using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using AdminPortal.Testing;
using Microsoft.AspNetCore.Http;

namespace AdminPortal.IntegrationTests.Dispatch;

/// <summary>
/// The portal's real executable is killed with SIGKILL while deliveries are in flight and started again: every
/// alert still reaches the receiver, and a delivery sent twice carries the same <c>webhook-id</c> both times.
/// </summary>
public sealed class CrashSafetyTests : IAsyncLifetime
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("adminportal-crash-");
    private LoopbackReceiver _receiver = null!;

    private string DatabaseArgument => $"--Database:ConnectionString=Data Source={Path.Combine(_directory.FullName, "portal.db")}";

    public async Task InitializeAsync() => _receiver = await LoopbackReceiver.StartAsync();

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        _directory.Delete(recursive: true);
    }

    [Fact]
    public async Task KilledWhileSending_AndRestarted_EveryAlertArrives_DuplicatesWithTheSameWebhookId()
    {
        // Each answer takes a while, so several deliveries are in flight when the process dies.
        _receiver.Respond = (_, _) => Results.Extensions.Delayed(TimeSpan.FromMilliseconds(400));
        Assert.Equal(0, (await PortalProcess.RunAsync(_directory.FullName, "migrate", DatabaseArgument)).ExitCode);
        var added = await PortalProcess.RunAsync(_directory.FullName, "user", "add", "--upn", "crash@contoso.com", "--role", "GlobalAdmin", DatabaseArgument);
        Assert.True(added.ExitCode == 0, added.AllOutput);
        var token = (await PortalProcess.RunAsync(_directory.FullName, "token", "create", "--user", "crash@contoso.com", "--name", "crash", DatabaseArgument))
            .Output.Trim();
        var port = FreePort();
        using var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Token", token);

        var first = await StartServerAsync(port, api);
        var playbook = await api.PostAsJsonAsync("/api/v1/playbooks/", new { name = "receiver", url = _receiver.BaseUrl + "/hook" });
        var playbookId = JsonDocument.Parse(await playbook.Content.ReadAsStringAsync()).RootElement.GetProperty("playbook").GetProperty("id").GetString();
        var policy = await api.PostAsync("/api/v1/policies/", Json($$$"""
            {"name": "Failed log-ons", "severity": 2, "conditions": [{"field": "activityType", "operator": "equals", "values": ["LogOnFailed"]}],
             "alertSettings": {"createAlert": true, "alertDailyLimit": 1000, "playbookIds": ["{{{playbookId}}}"]}}
            """));
        Assert.Equal(HttpStatusCode.Created, policy.StatusCode);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var activities = Enumerable.Range(0, 40).Select(i => new { timestamp = now, app = "Office 365", activityType = "LogOnFailed", user = $"user{i}@contoso.com" });
        var ingest = await api.PostAsJsonAsync("/api/v1/activities/ingest/", activities);
        Assert.Equal(40, JsonDocument.Parse(await ingest.Content.ReadAsStringAsync()).RootElement.GetProperty("alertsCreated").GetInt32());

        // Some calls have arrived (and more are being answered): kill the process, no chance to clean up.
        var seen = new List<ReceivedCall>();
        for (var i = 0; i < 4; i++)
            seen.Add(await _receiver.NextAsync());
        first.Kill();
        await first.WaitForExitAsync();

        using var second = await StartServerAsync(port, api);
        try
        {
            var ids = seen.Select(c => c.WebhookId!).ToHashSet();
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while (ids.Count < 40)
            {
                if (DateTime.UtcNow > deadline)
                    throw new TimeoutException($"Only {ids.Count} of 40 alerts arrived after the restart.");
                var call = await _receiver.NextAsync(TimeSpan.FromSeconds(60));
                seen.Add(call);
                ids.Add(call.WebhookId!);
            }
            // Every call carried one of the 40 deliveries' ids: a resend after the crash is recognisable as one.
            Assert.Equal(40, seen.Select(c => c.WebhookId).Distinct().Count());
            Assert.All(seen, c => Assert.True(Guid.TryParse(c.WebhookId, out _)));
            Assert.All(seen.GroupBy(c => c.WebhookId), g => Assert.Single(g.Select(c => c.Body).Distinct()));
        }
        finally
        {
            second.Kill();
            await second.WaitForExitAsync();
        }
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts the portal executable and waits until <c>/healthz</c> answers 200.</summary>
    private async Task<Process> StartServerAsync(int port, HttpClient api)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = _directory.FullName,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
                 {
                     Path.Combine(AppContext.BaseDirectory, "AdminPortal.Web.dll"), $"--Urls=http://127.0.0.1:{port}", DatabaseArgument,
                     "--LocalMode:AdminUpn=crash@contoso.com", "--Dispatch:AllowHttp=true", "--Dispatch:AllowedNetworks:0=127.0.0.1/32",
                     "--Dispatch:AttemptTimeout=00:00:02", "--Dispatch:LeaseDuration=00:00:03", "--Dispatch:PollInterval=00:00:00.200",
                 })
            start.ArgumentList.Add(arg);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment.Remove("ASPNETCORE_URLS");
        var process = Process.Start(start)!;
        // Drained so the child never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                if ((await api.GetAsync("/healthz")).StatusCode == HttpStatusCode.OK)
                    return process;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            if (process.HasExited || DateTime.UtcNow > deadline)
                throw new InvalidOperationException($"The portal did not start (exited: {process.HasExited}).");
            await Task.Delay(100);
        }
    }
}
