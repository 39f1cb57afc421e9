using System.Net;
using AdminPortal.Web.Hosting;
using Microsoft.AspNetCore.Http;

namespace AdminPortal.UnitTests.Hosting;

/// <summary>Who counts as "on this machine" for <c>Metrics:Access=LoopbackOrAdmin</c>, after forwarded headers were applied.</summary>
public sealed class MetricsAccessTests
{
    private static HttpContext Request(string? remote, params string[] forwardedFor)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = remote is null ? null : IPAddress.Parse(remote);
        if (forwardedFor.Length > 0)
            context.Request.Headers["X-Forwarded-For"] = forwardedFor;
        return context;
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.8.9.10")]
    [InlineData("::1")]
    [InlineData("::ffff:127.0.0.1")]
    public void IsLoopback_ForALoopbackConnection_IsTrue(string remote) =>
        Assert.True(MetricsSetup.IsLoopback(Request(remote)));

    [Theory]
    [InlineData(null)]
    [InlineData("10.1.2.3")]
    [InlineData("203.0.113.7")]
    [InlineData("::ffff:192.168.1.5")]
    public void IsLoopback_ForAnyOtherConnection_IsFalse(string? remote) =>
        Assert.False(MetricsSetup.IsLoopback(Request(remote)));

    [Theory]
    [InlineData("203.0.113.7")]
    [InlineData("127.0.0.1, 203.0.113.7")]
    [InlineData("unknown")]
    public void IsLoopback_WithAForwardedAddressLeftThatIsNotLoopback_IsFalse(string forwardedFor) =>
        Assert.False(MetricsSetup.IsLoopback(Request("127.0.0.1", forwardedFor)));

    [Fact]
    public void IsLoopback_WithOnlyLoopbackForwardedAddresses_IsTrue() =>
        Assert.True(MetricsSetup.IsLoopback(Request("127.0.0.1", "127.0.0.1", "[::1]:5080")));
}
