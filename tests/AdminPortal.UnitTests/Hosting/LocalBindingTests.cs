using AdminPortal.Core.Data;
using AdminPortal.Web.Hosting;
using Microsoft.Extensions.Configuration;

namespace AdminPortal.UnitTests.Hosting;

public sealed class LocalBindingTests
{
    [Theory]
    [InlineData("http://127.0.0.1:5080")]
    [InlineData("http://127.0.0.1:0")]
    [InlineData("https://127.0.0.1:5443")]
    [InlineData("http://127.0.0.2:5080")]
    [InlineData("http://localhost:5080")]
    [InlineData("http://LOCALHOST:5080")]
    [InlineData("http://localhost")]
    [InlineData("http://[::1]:5080")]
    public void IsLoopback_ForALoopbackAddress_IsTrue(string address) =>
        Assert.True(LocalBinding.IsLoopback(address));

    [Theory]
    [InlineData("http://0.0.0.0:5080")]
    [InlineData("http://*:5080")]
    [InlineData("http://+:5080")]
    [InlineData("http://[::]:5080")]
    [InlineData("http://192.168.1.20:5080")]
    [InlineData("http://10.0.0.5:5080")]
    [InlineData("http://portal.example:5080")]
    [InlineData("http://localhost.example:5080")]
    [InlineData("http://127.0.0.1.example:5080")]
    public void IsLoopback_ForAnAddressReachableFromOtherMachines_IsFalse(string address) =>
        Assert.False(LocalBinding.IsLoopback(address));

    [Theory]
    [InlineData("not an address")]
    [InlineData("127.0.0.1:5080")]
    [InlineData("")]
    public void IsLoopback_ForAnUnparsableAddress_IsFalse(string address) =>
        Assert.False(LocalBinding.IsLoopback(address));

    [Fact]
    public void ConfiguredAddresses_ReadsUrlsPortsAndKestrelEndpoints()
    {
        var configuration = Configuration(new()
        {
            ["urls"] = "http://127.0.0.1:5080; http://localhost:5081",
            ["http_ports"] = "8080",
            ["https_ports"] = "8443",
            ["Kestrel:Endpoints:Api:Url"] = "http://[::1]:6000",
        });

        var addresses = LocalBinding.ConfiguredAddresses(configuration).ToList();

        Assert.Equal(
            ["http://127.0.0.1:5080", "http://localhost:5081", "http://*:8080", "https://*:8443", "http://[::1]:6000"],
            addresses);
    }

    [Fact]
    public void ConfiguredAddresses_WithNothingConfigured_IsEmpty() =>
        Assert.Empty(LocalBinding.ConfiguredAddresses(Configuration(new())));

    [Theory]
    [InlineData("urls", "http://127.0.0.1:5080")]
    [InlineData("urls", "http://localhost:5080")]
    [InlineData("urls", "http://[::1]:5080")]
    [InlineData("urls", "http://127.0.0.1:5080;http://localhost:5081;http://[::1]:5082")]
    [InlineData("Kestrel:Endpoints:Http:Url", "http://127.0.0.1:5080")]
    public void EnsureLoopbackOnly_WithLoopbackAddresses_Allows(string key, string value)
    {
        var configuration = Configuration(new() { [key] = value });

        LocalBinding.EnsureLoopbackOnly(configuration, new LocalModeOptions());
    }

    [Fact]
    public void EnsureLoopbackOnly_WithNothingConfigured_Allows() =>
        LocalBinding.EnsureLoopbackOnly(Configuration(new()), new LocalModeOptions());

    [Theory]
    [InlineData("urls", "http://0.0.0.0:5080", "http://0.0.0.0:5080")]
    [InlineData("urls", "http://*:5080", "http://*:5080")]
    [InlineData("urls", "http://+:5080", "http://+:5080")]
    [InlineData("urls", "http://192.168.1.20:5080", "http://192.168.1.20:5080")]
    [InlineData("urls", "http://127.0.0.1:5080;http://192.168.1.20:5080", "http://192.168.1.20:5080")]
    [InlineData("http_ports", "5080", "http://*:5080")]
    [InlineData("https_ports", "5443", "https://*:5443")]
    [InlineData("Kestrel:Endpoints:Http:Url", "http://0.0.0.0:5080", "http://0.0.0.0:5080")]
    public void EnsureLoopbackOnly_WithARemoteAddress_RefusesNamingTheAddressAndTheSetting(string key, string value, string named)
    {
        var configuration = Configuration(new() { [key] = value });

        var failure = Assert.Throws<StartupFailureException>(() => LocalBinding.EnsureLoopbackOnly(configuration, new LocalModeOptions()));

        Assert.Contains("LocalMode:AllowRemote", failure.Message);
        Assert.Contains(named, failure.Message);
    }

    [Fact]
    public void EnsureLoopbackOnly_WithSomeLoopbackAddresses_NamesOnlyTheRemoteOnes()
    {
        var configuration = Configuration(new() { ["urls"] = "http://localhost:6001;http://0.0.0.0:6002" });

        var failure = Assert.Throws<StartupFailureException>(() => LocalBinding.EnsureLoopbackOnly(configuration, new LocalModeOptions()));

        Assert.Contains("http://0.0.0.0:6002", failure.Message);
        Assert.DoesNotContain("6001", failure.Message);
    }

    [Theory]
    [InlineData("urls", "http://0.0.0.0:5080")]
    [InlineData("urls", "http://*:5080")]
    [InlineData("http_ports", "5080")]
    [InlineData("Kestrel:Endpoints:Http:Url", "http://192.168.1.20:5080")]
    public void EnsureLoopbackOnly_WhenAllowRemoteIsSet_AllowsARemoteAddress(string key, string value)
    {
        var configuration = Configuration(new() { [key] = value, ["LocalMode:AllowRemote"] = "true" });
        var options = configuration.GetSection(LocalModeOptions.Section).Get<LocalModeOptions>()!;

        Assert.True(options.AllowRemote);
        LocalBinding.EnsureLoopbackOnly(configuration, options);
    }

    private static IConfiguration Configuration(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
}
