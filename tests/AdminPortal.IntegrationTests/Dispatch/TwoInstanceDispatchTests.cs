using AdminPortal.Core.Features.Dispatch;
using AdminPortal.IntegrationTests.Alerts;
using AdminPortal.Testing;
using Microsoft.AspNetCore.Http;

namespace AdminPortal.IntegrationTests.Dispatch;

/// <summary>
/// Two portal instances on one PostgreSQL database, each with its own dispatcher, sharing 2,000 alerts' deliveries:
/// every delivery arrives, and no delivery is ever being sent by both at the same time.
/// </summary>
public sealed class TwoInstanceDispatchTests() : DispatchTest(TestDb.PostgreSql)
{
    [Fact]
    public async Task TwoInstances_Deliver2000Alerts_EachOnce_NeverTheSameOneConcurrently()
    {
        var receiver = Own(await LoopbackReceiver.StartAsync());
        // A little work per call, so that two senders of one delivery would overlap if the claim let them.
        receiver.Respond = (_, _) => Results.Extensions.Delayed(TimeSpan.FromMilliseconds(2));
        var portal = await StartLoopbackPortalAsync();
        var (playbook, _) = await AddPlaybookAsync(portal, receiver.BaseUrl + "/hook");
        // The daily limit stops at 1,000 per policy: two policies, each alerting on every activity.
        await LinkedPolicyAsync(portal, playbook);
        await LinkedPolicyAsync(portal, playbook);
        var second = new PortalFactory();
        foreach (var (key, value) in portal.Factory.Settings)
            second.Settings[key] = value;
        await using var _ = second;
        second.CreateClient().Dispose(); // starts the second instance and its dispatcher

        foreach (var batch in Enumerable.Range(0, 4))
            await RaiseAlertsAsync(portal, 250, offset: batch * 250);

        var deliveries = await DeliveriesWhenAsync(portal, d => d.Count == 2_000 && d.All(x => x.State == DeliveryState.Delivered), seconds: 120);
        var received = new List<ReceivedCall>();
        while (receiver.TryNext(out var call))
            received.Add(call!);
        Assert.Equal(0, receiver.Overlaps);
        Assert.Equal(deliveries.Select(d => d.Id.ToString()).Order(), received.Select(c => c.WebhookId!).Distinct().Order());
        // Without a crash no delivery is sent twice at all.
        Assert.Equal(2_000, received.Count);
    }
}

/// <summary>An answer after a short pause.</summary>
internal static class DelayedResultExtensions
{
    public static IResult Delayed(this IResultExtensions _, TimeSpan pause) => new DelayedResult(pause);

    private sealed class DelayedResult(TimeSpan pause) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            await Task.Delay(pause);
            httpContext.Response.StatusCode = StatusCodes.Status200OK;
        }
    }
}
