using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using AdminPortal.Core.Features.Audit;
using AdminPortal.Core.Features.Users;
using Microsoft.EntityFrameworkCore;
using AdminPortal.Testing;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace AdminPortal.IntegrationTests;

/// <summary>
/// Entra ID mode without Entra: the portal is configured only through AzureAd:* settings; the one
/// stand-in is the tenant's discovery document (and its signing key), which this machine cannot fetch.
/// </summary>
public sealed class EntraSignInTests : IDisposable
{
    private const string Instance = "https://login.microsoftonline.com/";
    private const string TenantId = "3f1d2c4b-5a69-4e7f-8d90-a1b2c3d4e5f6";
    private const string ClientId = "9b8a7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d";
    private static readonly string Issuer = $"{Instance}{TenantId}/v2.0";
    private readonly RsaSecurityKey _signingKey = new(RSA.Create(2048)) { KeyId = "test-key" };
    private readonly PortalFactory _portal = new();

    public EntraSignInTests()
    {
        _portal.Settings["AzureAd:Instance"] = Instance;
        _portal.Settings["AzureAd:TenantId"] = TenantId;
        _portal.Settings["AzureAd:ClientId"] = ClientId;
        _portal.Settings["AzureAd:CallbackPath"] = "/signin-oidc";
        _portal.Settings["AzureAd:ClientSecret"] = "test-client-secret";
        _portal.ConfigureServices = services => services.PostConfigure<OpenIdConnectOptions>(OpenIdConnectDefaults.AuthenticationScheme, oidc =>
        {
            // What login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration publishes.
            var discovery = new OpenIdConnectConfiguration
            {
                Issuer = Issuer,
                AuthorizationEndpoint = $"{Instance}{TenantId}/oauth2/v2.0/authorize",
                TokenEndpoint = $"{Instance}{TenantId}/oauth2/v2.0/token",
                EndSessionEndpoint = $"{Instance}{TenantId}/oauth2/v2.0/logout",
            };
            discovery.SigningKeys.Add(_signingKey);
            oidc.Configuration = discovery;
            oidc.ConfigurationManager = new StaticConfigurationManager<OpenIdConnectConfiguration>(discovery);
        });
    }

    public void Dispose() => _portal.Dispose();

    private OpenIdConnectOptions Oidc =>
        _portal.Services.GetRequiredService<IOptionsMonitor<OpenIdConnectOptions>>().Get(OpenIdConnectDefaults.AuthenticationScheme);

    [Fact]
    public async Task AnonymousPageRequest_IsChallengedAtTheTenantsAuthorizeEndpoint()
    {
        var client = _portal.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var response = await client.GetAsync("/policies");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!;
        Assert.Equal($"{Instance}{TenantId}/oauth2/v2.0/authorize", location.GetLeftPart(UriPartial.Path));
        var query = QueryHelpers.ParseQuery(location.Query);
        Assert.Equal(ClientId, query["client_id"]);
        Assert.Equal("http://localhost/signin-oidc", query["redirect_uri"]);
        Assert.Equal(["openid", "profile"], query["scope"].ToString().Split(' ').Order().Take(2));
        Assert.Equal("code", query["response_type"]);
        Assert.False(string.IsNullOrEmpty(query["code_challenge"]));
        // The app itself points at the tenant: discovery comes from {Instance}{TenantId}/v2.0.
        Assert.Equal(Issuer, Oidc.Authority);
    }

    [Fact]
    public async Task NoAccessPage_IsServedToAnyone()
    {
        var response = await _portal.CreateClient().GetAsync("/no-access");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("You have no access", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("SecurityReader", true, false, false)]
    [InlineData("SecurityOperator", true, true, false)]
    [InlineData("GlobalAdmin", true, true, true)]
    [InlineData("SomethingElse", false, false, false)]
    public async Task IdTokenRoles_BecomePortalRoles(string role, bool reader, bool operatorRole, bool admin)
    {
        var principal = await ValidateIdToken(role);
        var authorization = _portal.Services.GetRequiredService<IAuthorizationService>();

        Assert.True(principal.IsInRole(role)); // the roles claim is the role claim
        Assert.Equal("reader@contoso.com", principal.FindFirst("preferred_username")?.Value);
        Assert.Equal(reader, (await authorization.AuthorizeAsync(principal, PortalPolicies.Reader)).Succeeded);
        Assert.Equal(operatorRole, (await authorization.AuthorizeAsync(principal, PortalPolicies.Operator)).Succeeded);
        Assert.Equal(admin, (await authorization.AuthorizeAsync(principal, PortalPolicies.Admin)).Succeeded);
    }

    [Fact]
    public async Task AForgedOrReplayedCallback_EndsOnTheSignInPage_WithAnAuditEntry_AndNoSession()
    {
        var client = _portal.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var response = await client.PostAsync("/signin-oidc", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["code"] = "not-a-real-code",
            ["state"] = "replayed-or-forged-state",
        }));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/signin?error=entra", response.Headers.Location!.OriginalString);
        Assert.DoesNotContain(response.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies : [], c => c.StartsWith("AdminPortal.Auth="));
        await using var db = _portal.CreateDbContext();
        Assert.Contains(await db.AuditEntries.Select(e => e.Action).ToListAsync(), a => a == AuditActions.SignInFailed);
        var page = await _portal.CreateClient().GetStringAsync("/signin?error=entra");
        Assert.Contains("Sign-in with Microsoft Entra ID was refused", page);
    }

    [Fact]
    public async Task StrictIssuerSetting_AcceptsOnlyThatIssuer()
    {
        _portal.Settings["AzureAd:TokenValidationParameters:ValidIssuer"] = Issuer;

        var principal = await ValidateIdToken("SecurityReader", overrideIssuer: false);
        Assert.True(principal.IsInRole("SecurityReader"));
        Assert.Equal(Issuer, Oidc.TokenValidationParameters.ValidIssuer);

        await Assert.ThrowsAnyAsync<SecurityTokenException>(() =>
            ValidateIdToken("SecurityReader", overrideIssuer: false, issuer: $"{Instance}{Guid.NewGuid()}/v2.0"));
    }

    [Fact]
    public async Task ExpiredIdToken_IsRefused() =>
        await Assert.ThrowsAnyAsync<SecurityTokenExpiredException>(() => ValidateIdToken("GlobalAdmin", issuedAt: DateTime.UtcNow.AddHours(-3)));

    [Fact]
    public async Task TamperedIdToken_IsRefused() =>
        await Assert.ThrowsAnyAsync<SecurityTokenException>(() => ValidateIdToken("SecurityReader", tamper: token =>
        {
            // Same header and signature, a payload that now claims GlobalAdmin.
            var parts = token.Split('.');
            var payload = System.Text.Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(parts[1])).Replace("SecurityReader", "GlobalAdmin");
            return $"{parts[0]}.{Base64UrlEncoder.Encode(payload)}.{parts[2]}";
        }));

    [Fact]
    public async Task IdTokenForAnotherAudience_IsRefused()
    {
        await Assert.ThrowsAnyAsync<SecurityTokenException>(() => ValidateIdToken("GlobalAdmin", audience: Guid.NewGuid().ToString()));
    }

    /// <summary>An ID token as Entra issues it, validated the way the portal's OpenID Connect handler does.</summary>
    private async Task<ClaimsPrincipal> ValidateIdToken(string role, string audience = ClientId, bool overrideIssuer = true, string? issuer = null,
        DateTime? issuedAt = null, Func<string, string>? tamper = null)
    {
        _portal.CreateClient(); // starts the portal
        var now = issuedAt ?? DateTime.UtcNow;
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Issuer,
            Audience = audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddHours(1),
            SigningCredentials = new SigningCredentials(_signingKey, SecurityAlgorithms.RsaSha256),
            Claims = new Dictionary<string, object>
            {
                ["tid"] = TenantId,
                ["oid"] = Guid.NewGuid().ToString(),
                ["preferred_username"] = "reader@contoso.com",
                ["name"] = "Rita Reader",
                ["ver"] = "2.0",
                ["roles"] = new[] { role },
            },
        });

        if (tamper is not null)
            token = tamper(token);
        var oidc = Oidc;
        var parameters = oidc.TokenValidationParameters.Clone();
        parameters.ValidAudience ??= oidc.ClientId;
        // The tenant's signing key and issuer, as its discovery document would give them.
        parameters.IssuerSigningKey = _signingKey;
        if (overrideIssuer)
            parameters.ValidIssuer = Issuer;
        var result = await oidc.TokenHandler.ValidateTokenAsync(token, parameters);
        if (!result.IsValid)
            throw result.Exception;
        return new ClaimsPrincipal(result.ClaimsIdentity);
    }
}
