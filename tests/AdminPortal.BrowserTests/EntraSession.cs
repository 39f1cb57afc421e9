using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using AdminPortal.Testing;
using Microsoft.Playwright;

namespace AdminPortal.BrowserTests;

/// <summary>
/// The portal on real Kestrel configured for Entra ID only through <c>AzureAd:*</c> settings, and a
/// real OpenID Connect provider shaped like an Entra v2.0 tenant (tests/AdminPortal.BrowserTests/EntraIdp,
/// started and stopped here; ./test.sh installs it and makes its certificate).
/// </summary>
public sealed class EntraSession : IAsyncLifetime
{
    private IPlaywright? _playwright;
    private Process? _identityProvider;

    public string TenantId { get; } = Guid.NewGuid().ToString();
    public string OtherTenantId { get; } = Guid.NewGuid().ToString();
    public string ClientId { get; } = Guid.NewGuid().ToString();
    private readonly string _clientSecret = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));

    public PortalFactory Portal { get; } = new();
    public IBrowser Browser { get; private set; } = default!;
    public string BaseUrl { get; private set; } = "";
    public string IdentityProviderUrl { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var idpDirectory = Required("ADMINPORTAL_TEST_IDP_DIR");
        var idpPort = FreePort();
        IdentityProviderUrl = $"https://127.0.0.1:{idpPort}";

        // Production settings, pointed at the test tenant.
        Portal.Settings["AzureAd:Instance"] = IdentityProviderUrl + "/";
        Portal.Settings["AzureAd:TenantId"] = TenantId;
        Portal.Settings["AzureAd:ClientId"] = ClientId;
        Portal.Settings["AzureAd:ClientSecret"] = _clientSecret;
        Portal.Settings["AzureAd:CallbackPath"] = "/signin-oidc";
        // HTTPS as in production (with the test certificate): the OpenID Connect correlation and
        // nonce cookies are Secure and SameSite=None, which Chromium drops on plain http://127.0.0.1.
        var certificate = X509Certificate2.CreateFromPemFile(Required("ADMINPORTAL_TEST_IDP_CERT"), Required("ADMINPORTAL_TEST_IDP_KEY"));
        Portal.UseSystemClock = true;
        Portal.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate)));
        Portal.StartServer();
        BaseUrl = Portal.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');

        var start = new ProcessStartInfo("node", Path.Combine(idpDirectory, "entra-idp.mjs"))
        {
            WorkingDirectory = idpDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["IDP_PORT"] = idpPort.ToString();
        start.Environment["IDP_CERT"] = Required("ADMINPORTAL_TEST_IDP_CERT");
        start.Environment["IDP_KEY"] = Required("ADMINPORTAL_TEST_IDP_KEY");
        start.Environment["TENANT_ID"] = TenantId;
        start.Environment["OTHER_TENANT_ID"] = OtherTenantId;
        start.Environment["CLIENT_ID"] = ClientId;
        start.Environment["CLIENT_SECRET"] = _clientSecret;
        start.Environment["REDIRECT_URIS"] = BaseUrl + "/signin-oidc";
        start.Environment["POST_LOGOUT_REDIRECT_URIS"] = BaseUrl + "/signout-callback-oidc";
        _identityProvider = Process.Start(start)!;
        var ready = new TaskCompletionSource();
        var output = new System.Text.StringBuilder();
        _identityProvider.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (output) output.AppendLine(e.Data);
            if (e.Data.StartsWith("ready ")) ready.TrySetResult();
        };
        _identityProvider.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        _identityProvider.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"The test identity provider exited:\n{output}"));
        _identityProvider.EnableRaisingEvents = true;
        _identityProvider.BeginOutputReadLine();
        _identityProvider.BeginErrorReadLine();
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // Generous for a busy two-core CI machine; a passing test never waits it out.
        Assertions.SetDefaultExpectTimeout(15_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    /// <summary>A fresh browser profile; the provider's certificate is self-signed.</summary>
    public Task<IBrowserContext> NewContextAsync() => Browser.NewContextAsync(new() { IgnoreHTTPSErrors = true });

    public async Task DisposeAsync()
    {
        if (Browser is not null)
            await Browser.DisposeAsync();
        _playwright?.Dispose();
        if (_identityProvider is { HasExited: false })
        {
            _identityProvider.Kill(entireProcessTree: true);
            await _identityProvider.WaitForExitAsync();
        }
        _identityProvider?.Dispose();
        await Portal.DisposeAsync();
    }

    private static string Required(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{variable} is not set: run the tests with ./test.sh, which installs the test identity provider.");

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
