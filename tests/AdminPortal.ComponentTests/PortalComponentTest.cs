using AdminPortal.Web.Auth;
using Bunit;
using Bunit.TestDoubles;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace AdminPortal.ComponentTests;

/// <summary>
/// bUnit context for the portal's components: MudBlazor services, loose JS interop, the portal's real
/// authorization policies and asynchronous disposal (MudBlazor registers IAsyncDisposable-only services).
/// Order in a test: register services, then <see cref="AddPortalAuthorization"/>, then
/// <see cref="UseInteractiveServer"/>, then render (the first two build the service provider).
/// </summary>
public abstract class PortalComponentTest : BunitContext, IAsyncLifetime
{
    public const string AntiforgeryFieldName = "__RequestVerificationToken";
    public const string AntiforgeryTokenValue = "test-antiforgery-token";

    private ServiceProvider? _portalAuthorization;

    protected PortalComponentTest()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        // WaitForAssertion's limit: generous for a busy two-core CI machine; passing tests never wait it out.
        DefaultWaitTimeout = TimeSpan.FromSeconds(5);
        Services.AddMudServices(mud =>
        {
            mud.SnackbarConfiguration.ShowTransitionDuration = 0;
            mud.SnackbarConfiguration.HideTransitionDuration = 0;
        });
        // <AntiforgeryToken /> (the sign-out form) reads the token the server rendered into the page.
        Services.AddSingleton<AntiforgeryStateProvider>(new FixedAntiforgeryStateProvider());
    }

    /// <summary>
    /// bUnit's fake authentication state (user name, roles, claims), judged by the portal's own
    /// authorization service and policies, as <see cref="AuthenticationSetup.AddPortalAuthentication"/>
    /// registers them: a change to the role → policy mapping fails these tests.
    /// </summary>
    protected BunitAuthorizationContext AddPortalAuthorization()
    {
        var authorization = AddAuthorization();
        var portal = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        portal.AddPortalAuthentication();
        portal.Services.AddLogging();
        _portalAuthorization = portal.Services.BuildServiceProvider();
        // Registered after bUnit's stand-ins, so these win.
        Services.AddSingleton(_portalAuthorization.GetRequiredService<IAuthorizationService>());
        Services.AddSingleton(_portalAuthorization.GetRequiredService<IAuthorizationPolicyProvider>());
        return authorization;
    }

    /// <summary>Renders as the portal does: interactive server (a live circuit).</summary>
    protected void UseInteractiveServer() => SetRendererInfo(new RendererInfo("Server", true));

    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        if (_portalAuthorization is not null)
            await _portalAuthorization.DisposeAsync();
    }

    private sealed class FixedAntiforgeryStateProvider : AntiforgeryStateProvider
    {
        public override AntiforgeryRequestToken? GetAntiforgeryToken() => new(AntiforgeryTokenValue, AntiforgeryFieldName);
    }
}
