using System.Net;
using AdminPortal.Core.Features.Audit;
using AdminPortal.Core.Features.Users;
using AdminPortal.Testing;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AdminPortal.IntegrationTests;

public sealed class SignInLinkTests : IDisposable
{
    private readonly PortalFactory _portal = new();

    public void Dispose() => _portal.Dispose();

    private HttpClient Browser() => _portal.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    private Task<string> NewLinkSecret() =>
        _portal.Services.GetRequiredService<UserService>().CreateSignInLinkAsync("admin@localhost");

    [Fact]
    public async Task AnonymousPageRequest_RedirectsToSignIn()
    {
        var response = await Browser().GetAsync("/policies");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/signin", response.Headers.Location!.AbsolutePath);
        Assert.Contains("ReturnUrl=%2Fpolicies", response.Headers.Location.Query);
    }

    [Fact]
    public async Task SignInLink_WorksOnce_AndIsRefusedTheSecondTime()
    {
        var secret = await NewLinkSecret();
        var first = Browser();

        var signIn = await first.SignInWithLinkAsync(secret, "/policies");
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal("/policies", signIn.Headers.Location!.OriginalString);
        var page = await first.GetAsync("/policies");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("admin@localhost", await page.Content.ReadAsStringAsync());

        var second = Browser();
        var again = await second.SignInWithLinkAsync(secret);
        Assert.Equal("/signin?error=link", again.Headers.Location!.OriginalString);
        Assert.False(again.Headers.Contains("Set-Cookie"));
        Assert.Equal(HttpStatusCode.Redirect, (await second.GetAsync("/policies")).StatusCode);

        await using var db = _portal.CreateDbContext();
        var actions = await db.AuditEntries.OrderBy(e => e.Id).Select(e => e.Action).ToListAsync();
        Assert.Contains(AuditActions.SignIn, actions);
        Assert.Equal(AuditActions.SignInLinkRefused, actions[^1]);
    }

    [Fact]
    public async Task OpeningTheLink_WithoutPostingItsForm_SpendsNothing()
    {
        var secret = await NewLinkSecret();

        var page = await Browser().GetAsync($"/signin/link/{secret}");
        var signIn = await Browser().SignInWithLinkAsync(secret);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("no-referrer", page.Headers.GetValues("Referrer-Policy").Single());
        Assert.Equal("/", signIn.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task PostingTheLink_WithoutTheAntiforgeryToken_IsRefused()
    {
        var secret = await NewLinkSecret();

        var response = await Browser().PostAsync("/signin/link", new FormUrlEncodedContent(new Dictionary<string, string> { ["secret"] = secret }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("/", (await Browser().SignInWithLinkAsync(secret)).Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task SignInLink_AfterFifteenMinutes_IsRefused()
    {
        var secret = await NewLinkSecret();
        _portal.Time.Advance(TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(1));

        var response = await Browser().SignInWithLinkAsync(secret);

        Assert.Equal("/signin?error=link", response.Headers.Location!.OriginalString);
        await using var db = _portal.CreateDbContext();
        Assert.Equal("expired", (await db.AuditEntries.OrderBy(e => e.Id).LastAsync()).Details);
    }

    [Fact]
    public async Task SignInLink_JustBeforeExpiry_Works()
    {
        var secret = await NewLinkSecret();
        _portal.Time.Advance(TimeSpan.FromMinutes(15) - TimeSpan.FromSeconds(1));

        var response = await Browser().SignInWithLinkAsync(secret);

        Assert.Equal("/", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task SignInLink_UsedConcurrently_SignsInOnlyOnce()
    {
        var secret = await NewLinkSecret();

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Browser().SignInWithLinkAsync(secret)));

        Assert.Single(responses, r => r.Headers.Location!.OriginalString == "/");
    }

    [Theory]
    [InlineData("//evil.example/phish")]
    [InlineData("/\\evil.example")]
    [InlineData("https://evil.example/")]
    [InlineData("javascript:alert(1)")]
    public async Task SignInLink_WithForeignReturnUrl_GoesHomeInstead(string returnUrl)
    {
        var secret = await NewLinkSecret();

        var response = await Browser().SignInWithLinkAsync(secret, returnUrl);

        Assert.Equal("/", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task UnknownOrOversizedLink_IsRefusedWithoutError()
    {
        var unknown = await Browser().SignInWithLinkAsync("not-a-real-link");
        var huge = await Browser().SignInWithLinkAsync(new string('a', 5000));

        Assert.Equal("/signin?error=link", unknown.Headers.Location!.OriginalString);
        Assert.Equal("/signin?error=link", huge.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Session_FollowsTheUsersCurrentRole_AndEndsWhenTheUserIsDisabled()
    {
        var users = _portal.Services.GetRequiredService<UserService>();
        await users.AddOrUpdateAsync("reader@contoso.com", PortalRole.SecurityReader, "test");
        var client = Browser();
        await client.SignInWithLinkAsync(await users.CreateSignInLinkAsync("reader@contoso.com"));
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/audit")).StatusCode); // GlobalAdmin only

        await users.AddOrUpdateAsync("reader@contoso.com", PortalRole.GlobalAdmin, "test");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/audit")).StatusCode);

        await using (var db = _portal.CreateDbContext())
            await db.Users.Where(u => u.Upn == "reader@contoso.com").ExecuteUpdateAsync(s => s.SetProperty(u => u.IsDisabled, true));
        var afterDisable = await client.GetAsync("/alerts");
        Assert.Equal("/signin", afterDisable.Headers.Location!.AbsolutePath);
    }
}
