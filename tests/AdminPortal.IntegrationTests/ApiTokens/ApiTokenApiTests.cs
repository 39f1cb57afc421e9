using System.Net;
using System.Text.Json;
using AdminPortal.Core.Features.ApiTokens;
using AdminPortal.Core.Features.Audit;
using AdminPortal.Core.Features.Users;
using AdminPortal.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AdminPortal.IntegrationTests.ApiTokens;

/// <summary>Token authentication as a playbook sees it: who it acts as, revocation, last used, the OpenAPI document.</summary>
public sealed class ApiTokenApiTests : IDisposable
{
    private readonly PortalFactory _portal = new();

    public void Dispose() => _portal.Dispose();

    [Theory]
    [InlineData("/api/v1/me/")]
    [InlineData("/api/v1/me")]
    [InlineData("/cas/api/v1/me")]
    [InlineData("/cas/api/v1/me/")]
    public async Task Me_WithAToken_AnswersWithTheOwnersUpnRoleAndTokenName(string path)
    {
        var owner = await _portal.AddUserAsync("Operator@Contoso.com", PortalRole.SecurityOperator);
        var token = await _portal.CreateTokenAsync(owner, "playbook runner");

        var me = await ApiCalls.JsonAsync(await _portal.CreateClient().CallAsync(path, "Token " + token.Value));

        Assert.Equal("operator@contoso.com", me.GetProperty("upn").GetString());
        Assert.Equal("SecurityOperator", me.GetProperty("role").GetString());
        Assert.Equal("playbook runner", me.GetProperty("tokenName").GetString());
        Assert.Equal(token.Token.Id, me.GetProperty("tokenId").GetGuid());
    }

    [Fact]
    public async Task Token_ActsWithItsOwnersCurrentRole()
    {
        var users = _portal.Services.GetRequiredService<UserService>();
        var owner = await _portal.AddUserAsync("reader@contoso.com", PortalRole.SecurityReader);
        var token = await _portal.CreateTokenAsync(owner, "automation");
        var client = _portal.CreateClient();
        var before = await ApiCalls.JsonAsync(await client.CallAsync("/api/v1/me/", "Token " + token.Value));

        await users.AddOrUpdateAsync("reader@contoso.com", PortalRole.GlobalAdmin, "test");
        var after = await ApiCalls.JsonAsync(await client.CallAsync("/api/v1/me/", "Token " + token.Value));

        Assert.Equal("SecurityReader", before.GetProperty("role").GetString());
        Assert.Equal("GlobalAdmin", after.GetProperty("role").GetString());
    }

    [Fact]
    public async Task BearerScheme_WorksLikeTokenScheme()
    {
        var owner = await _portal.AddUserAsync("reader@contoso.com", PortalRole.SecurityReader);
        var token = await _portal.CreateTokenAsync(owner, "connector");

        var me = await ApiCalls.JsonAsync(await _portal.CreateClient().CallAsync("/api/v1/me/", "Bearer " + token.Value));

        Assert.Equal("reader@contoso.com", me.GetProperty("upn").GetString());
        Assert.Equal("connector", me.GetProperty("tokenName").GetString());
    }

    [Fact]
    public async Task RevokedToken_Gets401_AndTheAttemptIsAuditedWithNameAndPrefix_NeverTheValue()
    {
        var owner = await _portal.AddUserAsync("operator@contoso.com", PortalRole.SecurityOperator);
        var token = await _portal.CreateTokenAsync(owner, "old script");
        var client = _portal.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.CallAsync("/api/v1/me/", "Token " + token.Value)).StatusCode);
        await _portal.RevokeTokenAsync(token.Token.Id);

        var response = await client.CallAsync("/api/v1/me/", "Token " + token.Value);

        await ApiCalls.AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        await using var db = _portal.CreateDbContext();
        var entry = await db.AuditEntries.SingleAsync(e => e.Action == AuditActions.ApiTokenUsedAfterRevocation);
        Assert.Equal("operator@contoso.com", entry.Actor);
        Assert.Equal(token.Token.Id.ToString(), entry.TargetId);
        Assert.Contains("old script", entry.Details);
        Assert.Contains(token.Token.Prefix, entry.Details);
        Assert.Equal(token.Value[..ApiTokenValues.PrefixLength], token.Token.Prefix);
        var everyEntry = await db.AuditEntries.Select(e => $"{e.Actor} {e.TargetId} {e.Details}").ToListAsync();
        Assert.DoesNotContain(everyEntry, e => e.Contains(token.Value));
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")] // a browser
    [InlineData("text/html")]
    [InlineData("application/xml")]
    public async Task Refusal_IsAProblemDetails401_WhateverTheClientAccepts_NeverA500(string accept)
    {
        var client = _portal.CreateClient();
        client.DefaultRequestHeaders.Accept.ParseAdd(accept);

        var response = await client.CallAsync("/api/v1/me/", "Token " + ApiTokenValues.Generate());

        await ApiCalls.AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task LastUsed_IsWrittenAtMostOncePerMinute()
    {
        var owner = await _portal.AddUserAsync("reader@contoso.com", PortalRole.SecurityReader);
        var token = await _portal.CreateTokenAsync(owner, "poller");
        var client = _portal.CreateClient();
        var start = _portal.Time.GetUtcNow();

        await client.CallAsync("/api/v1/me/", "Token " + token.Value);
        var afterFirst = await LastUsedAt(token.Token.Id);
        _portal.Time.Advance(TimeSpan.FromSeconds(30));
        await client.CallAsync("/api/v1/me/", "Token " + token.Value);
        var afterSecond = await LastUsedAt(token.Token.Id);
        _portal.Time.Advance(TimeSpan.FromSeconds(31));
        await client.CallAsync("/api/v1/me/", "Token " + token.Value);
        var afterThird = await LastUsedAt(token.Token.Id);

        Assert.Null(token.Token.LastUsedAt);
        Assert.Equal(start, afterFirst);
        Assert.Equal(start, afterSecond);
        Assert.Equal(start.AddSeconds(61), afterThird);
    }

    [Fact]
    public async Task OpenApiDocument_HasTheTokenSecurityScheme_AndTheApiV1PathsOnly()
    {
        var document = await ApiCalls.JsonAsync(await _portal.CreateClient().GetAsync("/openapi/v1.json"));

        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiToken");
        Assert.Equal("apiKey", scheme.GetProperty("type").GetString());
        Assert.Equal("header", scheme.GetProperty("in").GetString());
        Assert.Equal("Authorization", scheme.GetProperty("name").GetString());
        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains(paths, p => p is "/api/v1/me/" or "/api/v1/me");
        Assert.DoesNotContain(paths, p => p.StartsWith("/cas", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(JsonValueKind.Array, document.GetProperty("security").ValueKind);
    }

    private async Task<DateTimeOffset?> LastUsedAt(Guid tokenId)
    {
        await using var db = _portal.CreateDbContext();
        return await db.ApiTokens.Where(t => t.Id == tokenId).Select(t => t.LastUsedAt).SingleAsync();
    }
}
