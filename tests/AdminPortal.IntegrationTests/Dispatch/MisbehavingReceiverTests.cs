using System.Diagnostics;
using System.Text;
using AdminPortal.Core.Features.Dispatch;
using AdminPortal.IntegrationTests.Alerts;

namespace AdminPortal.IntegrationTests.Dispatch;

/// <summary>
/// Receivers that misbehave — an endless body, a slow drip, garbage instead of HTTP, a hang-up, no answer at all —
/// cost one recorded, bounded attempt each, and never hold up a healthy playbook.
/// </summary>
public sealed class MisbehavingReceiverTests() : DispatchTest(TestDb.Sqlite)
{
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(2);

    private Task<ApiPortal> StartPortalAsync() => StartLoopbackPortalAsync(s =>
    {
        s["Dispatch:AttemptTimeout"] = AttemptTimeout.ToString();
        s["Dispatch:LeaseDuration"] = "00:00:30";
    });

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    [Fact]
    public async Task AnEndlessBody_IsCutAfterTheFirst4KB_AndTheAttemptCountsAsDelivered()
    {
        var receiver = Own(new RawReceiver(async (stream, stop) =>
        {
            await stream.WriteAsync(Ascii("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 104857600\r\n\r\n"), stop);
            var chunk = Ascii(new string('x', 64 * 1024));
            for (var sent = 0L; sent < 100L << 20 && !stop.IsCancellationRequested; sent += chunk.Length)
                await stream.WriteAsync(chunk, stop);
        }));
        var portal = await StartPortalAsync();
        var (playbook, _) = await AddPlaybookAsync(portal, receiver.BaseUrl + "/big");
        await LinkedPolicyAsync(portal, playbook);
        var watch = Stopwatch.StartNew();

        await RaiseAlertsAsync(portal, 1);

        var delivery = (await DeliveriesWhenAsync(portal, d => d.Single().State == DeliveryState.Delivered)).Single();
        Assert.True(watch.Elapsed < AttemptTimeout, $"Reading the start of a 100 MB body took {watch.Elapsed}");
        var attempt = Assert.Single(delivery.Attempts);
        Assert.Equal(DeliverySender.KeptResponseBytes, attempt.ResponseBody!.Length);
    }

    [Fact]
    public async Task ASlowDrip_ANonHttpAnswer_AndAHangUp_AreFailedAttemptsWithTheReason_ThenRetried()
    {
        var drip = Own(new RawReceiver(async (stream, stop) =>
        {
            await stream.WriteAsync(Ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"), stop);
            // One byte per half second: the answer never finishes within the attempt timeout.
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(500));
            while (await timer.WaitForNextTickAsync(stop))
                await stream.WriteAsync(Ascii("1\r\nx\r\n"), stop);
        }));
        var garbage = Own(new RawReceiver((stream, stop) => stream.WriteAsync(Ascii("this is not HTTP at all\r\n\r\n"), stop).AsTask()));
        var hangUp = Own(new RawReceiver((_, _) => Task.CompletedTask));
        var portal = await StartPortalAsync();
        var ids = new[]
        {
            (await AddPlaybookAsync(portal, drip.BaseUrl + "/drip", "drip")).Id,
            (await AddPlaybookAsync(portal, garbage.BaseUrl + "/garbage", "garbage")).Id,
            (await AddPlaybookAsync(portal, hangUp.BaseUrl + "/hang-up", "hang-up")).Id,
        };
        await LinkedPolicyAsync(portal, ids);
        var watch = Stopwatch.StartNew();

        await RaiseAlertsAsync(portal, 1);

        var deliveries = await DeliveriesWhenAsync(portal, d => d.Count == 3 && d.All(x => x.AttemptCount == 1));
        Assert.True(watch.Elapsed < AttemptTimeout * 3, $"Three bad receivers took {watch.Elapsed}");
        Assert.All(deliveries, d =>
        {
            Assert.Equal(DeliveryState.Pending, d.State);
            Assert.Null(d.LastStatusCode);
            Assert.False(string.IsNullOrWhiteSpace(d.LastError));
            Assert.True(d.NextAttemptAt > portal.Now);
        });
        var byPlaybook = deliveries.ToDictionary(d => d.PlaybookId.ToString());
        Assert.Contains("No answer within 2 s", byPlaybook[ids[0]].LastError);
    }

    [Fact]
    public async Task APlaybookThatNeverAnswers_DoesNotHoldUpAHealthyOne()
    {
        var silent = Own(new RawReceiver((_, stop) => Task.Delay(Timeout.Infinite, stop)));
        var healthy = Own(await LoopbackReceiver.StartAsync());
        var portal = await StartLoopbackPortalAsync(s =>
        {
            s["Dispatch:AttemptTimeout"] = "00:00:10";
            s["Dispatch:PerPlaybookConcurrency"] = "2";
        });
        var (silentId, _) = await AddPlaybookAsync(portal, silent.BaseUrl + "/silent", "silent");
        var (healthyId, _) = await AddPlaybookAsync(portal, healthy.BaseUrl + "/healthy", "healthy");
        await LinkedPolicyAsync(portal, silentId, healthyId);
        var watch = Stopwatch.StartNew();

        await RaiseAlertsAsync(portal, 20);

        for (var i = 0; i < 20; i++)
            await healthy.NextAsync(TimeSpan.FromSeconds(5));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"The healthy playbook's 20 alerts took {watch.Elapsed}");
        // The silent one holds at most its share of the slots.
        Assert.InRange(silent.Connections, 1, 2);
    }
}
