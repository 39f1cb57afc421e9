using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using AdminPortal.Web.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AdminPortal.Web.Features.Connector;

/// <summary>
/// <c>GET /connector/apiDefinition.swagger.json</c>: the Power Automate custom connector (connector/ at the top of
/// the repository, embedded in this assembly) with <c>host</c>, <c>schemes</c> and <c>basePath</c> pointing at this
/// portal, so it can be imported as it is.
/// </summary>
public static class ConnectorApi
{
    public const string Path = "/connector/apiDefinition.swagger.json";
    private const string ResourceName = "AdminPortal.Web.Connector.apiDefinition.swagger.json";
    private const string ApiBasePath = "/cas/api/v1";

    private static readonly Lazy<JsonObject> Template = new(LoadTemplate);
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The last answer and the base URL it was made for: the base URL rarely changes, so neither does this.</summary>
    private static volatile Rendered? _rendered;

    private sealed record Rendered(string BaseUrl, string Json);

    public static IEndpointRouteBuilder MapConnector(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, Get).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    private static ContentHttpResult Get(PortalUrls urls)
    {
        var baseUrl = urls.BaseUrl;
        var rendered = _rendered;
        if (rendered is null || rendered.BaseUrl != baseUrl)
            _rendered = rendered = new Rendered(baseUrl, Render(baseUrl));
        return TypedResults.Text(rendered.Json, "application/json", Encoding.UTF8);
    }

    /// <summary>The connector with host, scheme and base path of <paramref name="baseUrl"/> (a path prefix is kept).</summary>
    public static string Render(string baseUrl)
    {
        var document = (JsonObject)Template.Value.DeepClone();
        if (Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri))
        {
            document["host"] = uri.Authority;
            document["schemes"] = new JsonArray(uri.Scheme);
            document["basePath"] = uri.AbsolutePath.TrimEnd('/') + ApiBasePath;
        }
        return document.ToJsonString(Indented);
    }

    private static JsonObject LoadTemplate()
    {
        using var stream = typeof(ConnectorApi).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The connector definition is not embedded as {ResourceName}.");
        return JsonNode.Parse(stream)?.AsObject() ?? throw new InvalidOperationException("The embedded connector definition is empty.");
    }
}
