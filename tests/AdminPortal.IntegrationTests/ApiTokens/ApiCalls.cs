using System.Net;
using System.Text.Json;
using AdminPortal.Core.Features.ApiTokens;
using AdminPortal.Core.Features.Users;
using AdminPortal.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AdminPortal.IntegrationTests.ApiTokens;

/// <summary>Users, tokens and token-authenticated calls against a <see cref="PortalFactory"/>.</summary>
internal static class ApiCalls
{
    public const string ProblemJson = "application/problem+json";

    public static Task<User> AddUserAsync(this PortalFactory portal, string upn, PortalRole role) =>
        portal.Services.GetRequiredService<UserService>().AddOrUpdateAsync(upn, role, "test");

    public static Task<CreatedApiToken> CreateTokenAsync(this PortalFactory portal, User owner, string name, int? expiresInDays = null) =>
        portal.Services.GetRequiredService<ApiTokenService>()
            .CreateAsync(owner.Id, new CreateApiTokenRequest(name, expiresInDays), owner.Upn);

    public static async Task RevokeTokenAsync(this PortalFactory portal, Guid tokenId)
    {
        var revoked = await portal.Services.GetRequiredService<ApiTokenService>()
            .RevokeAsync(tokenId, new ApiTokenViewer(Guid.Empty, "test", IsGlobalAdmin: true));
        Assert.True(revoked, $"Token {tokenId} was not revoked.");
    }

    /// <summary>Sends the request with the Authorization header exactly as given (no validation by HttpClient).</summary>
    public static Task<HttpResponseMessage> CallAsync(this HttpClient client, string path, string? authorization,
        HttpMethod? method = null, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method ?? HttpMethod.Get, path) { Content = content };
        if (authorization is not null)
            Assert.True(request.Headers.TryAddWithoutValidation("Authorization", authorization));
        return client.SendAsync(request);
    }

    /// <summary>Null when the response is RFC 9457 problem details with the given status; otherwise what is wrong.</summary>
    public static async Task<string?> ProblemMismatchAsync(HttpResponseMessage response, int status)
    {
        if ((int)response.StatusCode != status)
            return $"status {(int)response.StatusCode}, expected {status}";
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (mediaType != ProblemJson)
            return $"content type '{mediaType}', expected {ProblemJson}";
        var body = await response.Content.ReadAsStringAsync();
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.TryGetProperty("status", out var value) && value.ValueKind == JsonValueKind.Number && value.GetInt32() == status
                ? null
                : $"problem details without \"status\": {status}: {body}";
        }
        catch (JsonException)
        {
            return $"problem details that are not JSON: {body}";
        }
    }

    public static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var mismatch = await ProblemMismatchAsync(response, (int)status);
        Assert.True(mismatch is null, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}: {mismatch}");
    }

    /// <summary>The <c>Retry-After</c> header as whole seconds; fails unless it is a positive integer.</summary>
    public static int RetryAfterSeconds(HttpResponseMessage response)
    {
        Assert.True(response.Headers.TryGetValues("Retry-After", out var values), "No Retry-After header.");
        var text = Assert.Single(values);
        Assert.True(int.TryParse(text, System.Globalization.NumberStyles.None, null, out var seconds) && seconds > 0,
            $"Retry-After '{text}' is not a positive number of seconds.");
        return seconds;
    }

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.Clone();
    }
}
