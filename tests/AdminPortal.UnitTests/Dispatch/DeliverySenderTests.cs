using AdminPortal.Core.Features.Dispatch;
using Microsoft.Extensions.Options;

namespace AdminPortal.UnitTests.Dispatch;

public sealed class DeliverySenderTests
{
    [Fact]
    public async Task APlainHttpPlaybook_IsRefusedAtSendTime_WhenAllowHttpIsOff_WithoutConnecting()
    {
        // Added while Dispatch:AllowHttp was on; the setting has since been turned off.
        var handler = new RecordingHandler();
        var sender = new DeliverySender(new SingleClientFactory(handler), Options.Create(new DispatchOptions { AllowHttp = false }), TimeProvider.System);
        var target = new DeliveryTarget(new Uri("http://hooks.contoso.com/alert"), null, null, ["whsec_" + Convert.ToBase64String(new byte[24])]);

        var result = await sender.SendAsync(target, Guid.NewGuid(), "{}", CancellationToken.None);

        Assert.True(result.Refused);
        Assert.Null(result.StatusCode);
        Assert.Contains("Dispatch:AllowHttp", result.Error);
        Assert.Equal(AttemptOutcome.DeadLetter, DispatcherService.Classify(result));
        Assert.Equal(0, handler.Calls);
    }

    [Fact]
    public async Task APlainHttpPlaybook_IsSent_WhenAllowHttpIsOn()
    {
        var handler = new RecordingHandler();
        var sender = new DeliverySender(new SingleClientFactory(handler), Options.Create(new DispatchOptions { AllowHttp = true }), TimeProvider.System);
        var target = new DeliveryTarget(new Uri("http://hooks.contoso.com/alert"), null, null, ["whsec_" + Convert.ToBase64String(new byte[24])]);

        var result = await sender.SendAsync(target, Guid.NewGuid(), "{}", CancellationToken.None);

        Assert.Equal(200, result.StatusCode);
        Assert.Equal(1, handler.Calls);
    }

    private sealed class RecordingHandler : HttpMessageHandler
    {
        public int Calls;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK));
        }
    }

    private sealed class SingleClientFactory(HttpMessageHandler handler) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(handler, disposeHandler: false);
    }
}
