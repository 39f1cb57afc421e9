using System.Net;
using AdminPortal.Core.Features.ApiTokens;
using AdminPortal.Core.Features.Users;
using AdminPortal.Testing;

namespace AdminPortal.IntegrationTests.ApiTokens;

/// <summary>
/// The per-token request limit (real time: only the 429 itself is asserted) and the per-address
/// bad-token throttle (the app's clock, which the test controls).
/// </summary>
public sealed class ApiRateLimitTests : IDisposable
{
    private readonly PortalFactory _portal = new();

    public void Dispose() => _portal.Dispose();

    private async Task<(string First, string Second)> TwoTokensAsync()
    {
        var owner = await _portal.AddUserAsync("reader@contoso.com", PortalRole.SecurityReader);
        var first = await _portal.CreateTokenAsync(owner, "first");
        var second = await _portal.CreateTokenAsync(owner, "second");
        return ("Token " + first.Value, "Token " + second.Value);
    }

    [Fact]
    public async Task OverTheLimit_ATokenGets429WithRetryAfter_OnEitherPrefix_AndOtherTokensAreUnaffected()
    {
        _portal.Settings["Api:RequestsPerMinute"] = "3";
        var (first, second) = await TwoTokensAsync();
        var client = _portal.CreateClient();

        var allowed = new[]
        {
            await client.CallAsync("/api/v1/me/", first),
            await client.CallAsync("/cas/api/v1/me", first),
            await client.CallAsync("/api/v1/me/", first),
        };
        var fourth = await client.CallAsync("/cas/api/v1/me", first);
        var other = await client.CallAsync("/api/v1/me/", second);

        Assert.All(allowed, response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));
        await ApiCalls.AssertProblemAsync(fourth, HttpStatusCode.TooManyRequests);
        Assert.InRange(ApiCalls.RetryAfterSeconds(fourth), 1, 60);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task McasStrict_Allows60RequestsPerMinute_WhateverRequestsPerMinuteSays()
    {
        _portal.Settings["Api:RequestsPerMinute"] = "600";
        _portal.Settings["Api:McasStrict"] = "true";
        var (first, _) = await TwoTokensAsync();
        var client = _portal.CreateClient();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 60; i++)
            statuses.Add((await client.CallAsync("/api/v1/me/", first)).StatusCode);
        var sixtyFirst = await client.CallAsync("/api/v1/me/", first);

        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.OK, status));
        await ApiCalls.AssertProblemAsync(sixtyFirst, HttpStatusCode.TooManyRequests);
        ApiCalls.RetryAfterSeconds(sixtyFirst);
    }

    [Fact]
    public async Task RepeatedBadTokens_ThrottleTheAddress_EvenForAValidToken_UntilTheWindowEnds()
    {
        _portal.Settings["Api:BadTokenAttemptsPerWindow"] = "3";
        var (valid, _) = await TwoTokensAsync();
        var client = _portal.CreateClient();

        var bad = new List<HttpResponseMessage>();
        for (var i = 0; i < 3; i++)
            bad.Add(await client.CallAsync("/api/v1/me/", "Token " + ApiTokenValues.Generate()));
        var throttled = await client.CallAsync("/api/v1/me/", valid);
        _portal.Time.Advance(TimeSpan.FromSeconds(59));
        var stillThrottled = await client.CallAsync("/api/v1/me/", valid);
        _portal.Time.Advance(TimeSpan.FromSeconds(2)); // past Api:BadTokenWindow (1 minute by default)
        var afterWindow = await client.CallAsync("/api/v1/me/", valid);

        Assert.All(bad, response => Assert.NotEqual(HttpStatusCode.OK, response.StatusCode));
        await ApiCalls.AssertProblemAsync(throttled, HttpStatusCode.TooManyRequests);
        Assert.InRange(ApiCalls.RetryAfterSeconds(throttled), 1, 60);
        await ApiCalls.AssertProblemAsync(stillThrottled, HttpStatusCode.TooManyRequests);
        Assert.Equal(1, ApiCalls.RetryAfterSeconds(stillThrottled));
        Assert.Equal(HttpStatusCode.OK, afterWindow.StatusCode);
    }

    [Fact]
    public async Task BadTokenThrottle_AnswersEachAttemptWithinTheLimit_With401()
    {
        _portal.Settings["Api:BadTokenAttemptsPerWindow"] = "3";
        var client = _portal.CreateClient();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
            statuses.Add((await client.CallAsync("/api/v1/me/", "Token " + ApiTokenValues.Generate())).StatusCode);

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests], statuses);
    }

    [Fact]
    public async Task GoodTokens_DoNotCountAsBadAttempts()
    {
        _portal.Settings["Api:BadTokenAttemptsPerWindow"] = "3";
        var (valid, _) = await TwoTokensAsync();
        var client = _portal.CreateClient();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
            statuses.Add((await client.CallAsync("/api/v1/me/", valid)).StatusCode);
        await client.CallAsync("/api/v1/me/", "Token " + ApiTokenValues.Generate());
        var afterOneBad = await client.CallAsync("/api/v1/me/", valid);

        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.Equal(HttpStatusCode.OK, afterOneBad.StatusCode);
    }
}
