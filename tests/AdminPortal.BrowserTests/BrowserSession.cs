using AdminPortal.Core.Features.Users;
using AdminPortal.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace AdminPortal.BrowserTests;

/// <summary>The portal on real Kestrel at 127.0.0.1 and Debian's Chromium driven by Playwright.</summary>
public class BrowserSession : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public PortalFactory Portal { get; } = new();
    public IBrowser Browser { get; private set; } = default!;
    public string BaseUrl { get; private set; } = "";

    /// <summary>Settings a fixture needs before the server starts (they are read at start).</summary>
    protected virtual void Configure(PortalFactory portal)
    {
    }

    public async Task InitializeAsync()
    {
        Configure(Portal);
        Portal.UseKestrel(0);
        Portal.StartServer();
        BaseUrl = Portal.ClientOptions.BaseAddress.ToString().TrimEnd('/');

        // Generous for a busy two-core CI machine; a passing test never waits it out.
        Assertions.SetDefaultExpectTimeout(15_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            // The system browser: this machine cannot download Playwright's own.
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    public Task<string> SignInLinkAsync(string upn = "admin@localhost") =>
        Portal.Services.GetRequiredService<UserService>().CreateSignInLinkAsync(upn)
            .ContinueWith(secret => $"{BaseUrl}/signin/link/{secret.Result}", TaskScheduler.Default);

    /// <summary>A new API token of the bootstrap admin.</summary>
    public Task<string> AdminTokenAsync(string name = "browser tests") => Portal.AdminTokenAsync(name);

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright?.Dispose();
        await Portal.DisposeAsync();
    }
}
