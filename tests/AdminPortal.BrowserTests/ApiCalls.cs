using System.Net;
using System.Text;
using System.Text.Json;

namespace AdminPortal.BrowserTests;

/// <summary>What browser tests send to the portal's API beside the page, and how they read its answers.</summary>
internal static class ApiCalls
{
    public static StringContent Json(object value) => new(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");

    /// <summary>The answer's JSON, after asserting its status (the failure names the call and shows the body).</summary>
    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status,
            $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}: {(int)response.StatusCode}, expected {(int)status}: {body}");
        using var json = JsonDocument.Parse(body);
        return json.RootElement.Clone();
    }
}
