using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AdminPortal.IntegrationTests.Alerts;
using AdminPortal.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace AdminPortal.IntegrationTests;

/// <summary>
/// The Power Automate custom connector (connector/apiDefinition.swagger.json): a valid Swagger 2.0 file with the
/// certified MCAS connector's operations, each of which reaches a real route of the portal, and served by the portal
/// with its own host.
/// </summary>
public sealed partial class ConnectorTests
{
    /// <summary>The certified connector's operations (reference mcas-api.md §5) and the close calls in the same style.</summary>
    public static readonly (string OperationId, string Method, string Path)[] Certified =
    [
        ("MCAS_ON_ALERT_GENERATED", "POST", "/ms_flow/"),
        ("MCAS_DELETE_FLOW", "DELETE", "/ms_flow/{flow_id}/"),
        ("MCAS_DISMISS_ALERT", "POST", "/alerts/dismiss_bulk/"),
        ("MCAS_RESOLVE_ALERT", "POST", "/alerts/resolve/"),
        ("MCAS_CLOSE_BENIGN", "POST", "/alerts/close_benign/"),
        ("MCAS_CLOSE_FALSE_POSITIVE", "POST", "/alerts/close_false_positive/"),
        ("MCAS_CLOSE_TRUE_POSITIVE", "POST", "/alerts/close_true_positive/"),
        ("MCAS_GET_OPEN_ALERTS", "POST", "/alerts/"),
        ("MCAS_GET_POLICY", "POST", "/policies/{policy_id}/"),
        ("MCAS_ENABLE_POLICY", "POST", "/policies/{policy_id}/enable/"),
        ("MCAS_DISABLE_POLICY", "POST", "/policies/{policy_id}/disable/"),
        ("MCAS_GET_ACTIVITIES", "POST", "/activities/"),
    ];

    /// <summary>The trigger payload's field names, exactly (reference §5), and the portal's two extras.</summary>
    private static readonly string[] TriggerFields =
    [
        "Version", "VendorName", "ProviderName", "AlertType", "StartTimeUtc", "EndTimeUtc", "TimeGenerated", "Severity",
        "ProviderAlertId", "ProviderPolicyId", "CorrelationKey", "AzureResourceId", "CompromisedEntity", "AlertDisplayName",
        "Description", "RemediationSteps", "Metadata", "ExtendedProperties", "Entities", "ExtendedLinks", "AlertUrl", "Alert",
    ];

    private const string BasePath = "/cas/api/v1";
    private const string Placeholder = "adminportal.example.com";

    [Fact]
    public void Definition_IsSwagger2WithoutReaderErrors()
    {
        var text = File.ReadAllText(DefinitionPath);
        using (var raw = JsonDocument.Parse(text))
        {
            Assert.Equal("2.0", raw.RootElement.GetProperty("swagger").GetString());
            Assert.Equal(BasePath, raw.RootElement.GetProperty("basePath").GetString());
            Assert.Equal(Placeholder, raw.RootElement.GetProperty("host").GetString());
            Assert.Equal(["https"], raw.RootElement.GetProperty("schemes").EnumerateArray().Select(s => s.GetString()));
        }

        var (document, diagnostic) = Read(text);
        Assert.Equal(OpenApiSpecVersion.OpenApi2_0, diagnostic.SpecificationVersion);
        Assert.True(diagnostic.Errors.Count == 0, string.Join("\n", diagnostic.Errors.Select(e => $"{e.Pointer}: {e.Message}")));
        Assert.True(diagnostic.Warnings.Count == 0, string.Join("\n", diagnostic.Warnings.Select(e => $"{e.Pointer}: {e.Message}")));
        var validation = document.Validate(ValidationRuleSet.GetDefaultRuleSet())?.ToList() ?? [];
        Assert.True(validation.Count == 0, string.Join("\n", validation.Select(e => $"{e.Pointer}: {e.Message}")));
        Assert.Equal($"https://{Placeholder}{BasePath}", Assert.Single(document.Servers!).Url);

        var scheme = Assert.Single(document.Components!.SecuritySchemes!).Value;
        Assert.Equal(SecuritySchemeType.ApiKey, scheme.Type);
        Assert.Equal(ParameterLocation.Header, scheme.In);
        Assert.Equal("Authorization", scheme.Name);
        Assert.Single(Assert.Single(document.Security!));
    }

    [Fact]
    public void Definition_HasEveryCertifiedOperation_WithItsMethodAndPath()
    {
        var operations = Operations(Read(File.ReadAllText(DefinitionPath)).Document);
        Assert.Equal(operations.Count, operations.Select(o => o.Operation.OperationId).Distinct().Count());
        foreach (var (operationId, method, path) in Certified)
        {
            var found = operations.Where(o => o.Operation.OperationId == operationId).ToList();
            Assert.True(found.Count == 1, $"{operationId} is missing");
            Assert.Equal((method, path), (found[0].Method, found[0].Path));
        }
    }

    [Fact]
    public void Trigger_IsASingleWebhook_WhoseCallbackUrlThePlatformFillsIn()
    {
        var document = Read(File.ReadAllText(DefinitionPath)).Document;
        var pathItem = document.Paths["/ms_flow/"];
        var trigger = pathItem.Operations![HttpMethod.Post];
        Assert.Equal("single", Extension(trigger.Extensions, "x-ms-trigger")?.GetValue<string>());
        Assert.Equal("When an alert is generated", trigger.Summary);

        var body = trigger.RequestBody!.Content!["application/json"].Schema!;
        Assert.Contains("callback_url", body.Required!);
        var callback = body.Properties!["callback_url"];
        Assert.Equal(JsonSchemaType.String, callback.Type);
        Assert.True(Extension(callback.Extensions, "x-ms-notification-url")?.GetValue<bool>());
        Assert.Equal("internal", Extension(callback.Extensions, "x-ms-visibility")?.GetValue<string>());
        Assert.Equal(JsonSchemaType.String, body.Properties["name"].Type);
        Assert.DoesNotContain("name", body.Required!);

        var created = trigger.Responses!["201"];
        Assert.Contains("Location", created.Headers!.Keys);

        var unsubscribe = document.Paths["/ms_flow/{flow_id}/"].Operations![HttpMethod.Delete];
        Assert.Equal("internal", Extension(unsubscribe.Extensions, "x-ms-visibility")?.GetValue<string>());
        Assert.Contains("200", unsubscribe.Responses!.Keys);
        Assert.Equal("flow_id", Assert.Single(unsubscribe.Parameters!).Name);
    }

    [Fact]
    public void Trigger_NotificationContent_HasEveryPayloadFieldOfTheMcasConnector()
    {
        var document = Read(File.ReadAllText(DefinitionPath)).Document;
        var content = Extension(document.Paths["/ms_flow/"].Extensions, "x-ms-notification-content");
        Assert.NotNull(content);
        var payload = Definition(document, content["schema"]!["$ref"]!.GetValue<string>());

        Assert.Equal(TriggerFields.Order(), payload.Properties!.Keys.Order());
        foreach (var field in new[] { "StartTimeUtc", "EndTimeUtc", "TimeGenerated" })
            Assert.Equal("date-time", payload.Properties[field].Format);
        Assert.Equal(["Informational", "Low", "Medium", "High"], payload.Properties["Severity"].Enum!.Select(v => v.GetValue<string>()));
        Assert.Equal(JsonSchemaType.Array, payload.Properties["RemediationSteps"].Type);
        Assert.Equal(JsonSchemaType.String, payload.Properties["RemediationSteps"].Items!.Type);
        Assert.Equal(JsonSchemaType.Object, payload.Properties["Metadata"].Type);
        Assert.Equal(JsonSchemaType.String, payload.Properties["AlertUrl"].Type);

        var extended = payload.Properties["ExtendedProperties"];
        Assert.Equal(JsonSchemaType.Object, extended.Type);
        Assert.Equal(new[] { "IP Addresses", "Cloud Applications", "Countries" }.Order(), extended.Properties!.Keys.Order());
        Assert.All(extended.Properties.Values, p => Assert.Equal(JsonSchemaType.String, p.Type));

        var entities = payload.Properties["Entities"];
        Assert.Equal(JsonSchemaType.Array, entities.Type);
        Assert.Equal(new[] { "Type", "Name", "AadTenantId", "AadUserId", "UPNSuffix", "Address", "ResourceId", "Domains" }.Order(),
            entities.Items!.Properties!.Keys.Order());
        var links = payload.Properties["ExtendedLinks"];
        Assert.Equal(JsonSchemaType.Array, links.Type);
        Assert.Equal(new[] { "Type", "Category", "Label", "Href" }.Order(), links.Items!.Properties!.Keys.Order());

        // The full alert, in the alerts API's shape.
        var alert = payload.Properties["Alert"];
        Assert.Equal(JsonSchemaType.Object, alert.Type);
        Assert.Contains("_id", alert.Properties!.Keys);
        Assert.Contains("URL", alert.Properties.Keys);

        // Every field shows with a title in the flow designer.
        Assert.All(payload.Properties.Where(p => p.Key != "Alert"), p => Assert.NotNull(Extension(p.Value.Extensions, "x-ms-summary")));
    }

    [Fact]
    public void Trigger_EntityFieldsTheAlertSendsAsNull_AreDeclaredNullable()
    {
        // A flow's "Parse JSON" step built from the schema rejects a null where the schema says only "string".
        var alert = new Core.Features.Alerts.Alert
        {
            Title = "Failed log-ons", PolicyId = "0123456789abcdef01234567", CorrelationKey = "k", CreatedAt = DateTimeOffset.UnixEpoch,
            Entities =
            [
                new() { Type = Core.Features.Alerts.AlertEntityType.Account, Value = "ada@contoso.com", Role = "Related" },
                new() { Type = Core.Features.Alerts.AlertEntityType.Ip, Value = "192.0.2.10" },
            ],
        };
        var sent = JsonNode.Parse(Core.Features.Dispatch.AlertPayload.From(alert, "Failed log-ons", Core.Features.Policies.PolicyType.Activity,
            DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, "https://portal.contoso.com").Serialize())!;
        var schema = JsonNode.Parse(File.ReadAllText(DefinitionPath))!["definitions"]!["AlertNotification"]!["properties"]!["Entities"]!["items"]!["properties"]!;

        var nulls = sent["Entities"]!.AsArray().SelectMany(e => e!.AsObject()).Where(p => p.Value is null).Select(p => p.Key).Distinct().ToList();
        Assert.NotEmpty(nulls);
        Assert.All(nulls, field => Assert.True(schema[field]?["x-nullable"]?.GetValue<bool>() == true, $"Entities[].{field} is sent as null but not declared x-nullable."));
    }

    [Fact]
    public void Actions_TakeTheBodiesTheirHandlersRead()
    {
        var document = Read(File.ReadAllText(DefinitionPath)).Document;
        IOpenApiSchema Body(string path) => document.Paths[path].Operations![HttpMethod.Post].RequestBody!.Content!["application/json"].Schema!;

        // The close calls: {filters: {id: {eq: [ids]}}, comment, reasonId where the closing takes one.
        var reasons = new Dictionary<string, int[]?>
        {
            ["/alerts/dismiss_bulk/"] = null,
            ["/alerts/resolve/"] = null,
            ["/alerts/close_true_positive/"] = null,
            ["/alerts/close_benign/"] = [2, 4, 5, 6],
            ["/alerts/close_false_positive/"] = [0, 1, 3, 4],
        };
        foreach (var (path, reasonIds) in reasons)
        {
            var body = Body(path);
            Assert.Contains("filters", body.Required!);
            var ids = body.Properties!["filters"].Properties!["id"].Properties!["eq"];
            Assert.Equal(JsonSchemaType.Array, ids.Type);
            Assert.Equal(JsonSchemaType.String, ids.Items!.Type);
            Assert.Equal(JsonSchemaType.String, body.Properties["comment"].Type);
            if (reasonIds is null)
                Assert.Equal(new[] { "comment", "filters" }, body.Properties.Keys.Order());
            else
                Assert.Equal(reasonIds, body.Properties["reasonId"].Enum!.Select(v => v.GetValue<int>()));
        }

        // Open alerts: MCAS's defaults, sent as they are by Power Automate.
        var open = Body("/alerts/").Properties!;
        Assert.Equal(20, open["limit"].Default!.GetValue<int>());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"resolutionStatus":{"eq":0}}"""), open["filters"].Default));
        Assert.Equal("date", open["sortField"].Default!.GetValue<string>());
        Assert.Equal("desc", open["sortDirection"].Default!.GetValue<string>());
        Assert.True(open["projectedMSFlowFields"].Default!.GetValue<bool>());
        Assert.Contains("skip", open.Keys);

        Assert.Equal("true", Body("/policies/{policy_id}/").Properties!["projectedMSFlowFields"].Default!.GetValue<string>());

        var entity = Body("/activities/").Properties!["filters"].Properties!["entity"].Properties!["eq"].Items!;
        Assert.Equal(new[] { "id", "inst", "saas" }, entity.Properties!.Keys.Order());
    }

    [Fact]
    public async Task EveryOperation_MapsToARealRoute()
    {
        await using var portal = new PortalFactory();
        portal.CreateClient().Dispose(); // starts the portal
        var routes = portal.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(m => (Method: m, Pattern: Normalize(e.RoutePattern.RawText ?? ""))))
            .ToHashSet();

        var missing = Operations(Read(File.ReadAllText(DefinitionPath)).Document)
            .Where(o => !routes.Contains((o.Method, Normalize(BasePath + o.Path))) && !routes.Contains(("*", Normalize(BasePath + o.Path))))
            .Select(o => $"{o.Operation.OperationId}: {o.Method} {BasePath}{o.Path}")
            .ToList();
        Assert.True(missing.Count == 0, "No route for:\n" + string.Join("\n", missing));
    }

    [Fact]
    public async Task ConnectorActions_WithTheirDefaultBodies_AreAnsweredByThePortal()
    {
        await using var portal = await ApiPortal.StartAsync(TestDb.Sqlite);
        var policyId = await portal.CreatePolicyAsync("Downloads", "FileDownloaded");

        var alerts = await ApiPortal.JsonAsync(await portal.PostAsync("/cas/api/v1/alerts/",
            """{"skip":0,"limit":20,"filters":{"resolutionStatus":{"eq":0}},"sortField":"date","sortDirection":"desc","projectedMSFlowFields":true}""", Caller.Reader));
        Assert.Equal(["data", "hasNext", "max", "total", "moreThanTotal"], alerts.EnumerateObject().Select(p => p.Name));
        Assert.Equal(20, alerts.GetProperty("max").GetInt32());

        var policy = await ApiPortal.JsonAsync(await portal.PostAsync($"/cas/api/v1/policies/{policyId}/", """{"projectedMSFlowFields":"true"}""", Caller.Reader));
        foreach (var field in new[] { "name", "description", "policyType", "alertDailyLimit", "lastModified" })
            Assert.True(policy.TryGetProperty(field, out _), $"The policy has no {field}: {policy}");

        await ApiPortal.JsonAsync(await portal.PostAsync("/cas/api/v1/activities/",
            """{"filters":{"entity":{"eq":[{"id":"alice@contoso.com","saas":11161,"inst":0}]}},"skip":0,"limit":20,"sortField":"date","sortDirection":"desc"}""", Caller.Reader));

        const string unknown = "0123456789abcdef01234567";
        var dismissed = await ApiPortal.JsonAsync(await portal.PostAsync("/cas/api/v1/alerts/dismiss_bulk/",
            $$$"""{"filters":{"id":{"eq":["{{{unknown}}}"]}},"comment":"From a flow"}""", Caller.Operator));
        Assert.Equal([unknown], dismissed.GetProperty("alertsNotFound").EnumerateArray().Select(i => i.GetString()));
        var benign = await ApiPortal.JsonAsync(await portal.PostAsync("/cas/api/v1/alerts/close_benign/",
            $$$"""{"filters":{"id":{"eq":["{{{unknown}}}"]}},"comment":"From a flow","reasonId":5}""", Caller.Operator));
        Assert.Equal(0, benign.GetProperty("closed_benign").GetInt32());

        await ApiPortal.JsonAsync(await portal.PostAsync($"/cas/api/v1/policies/{policyId}/disable/", null));
        await ApiPortal.JsonAsync(await portal.PostAsync($"/cas/api/v1/policies/{policyId}/enable/", null));
    }

    [Fact]
    public async Task ServedDefinition_CarriesThePortalsOwnHost_Anonymously()
    {
        await using var portal = new PortalFactory();
        portal.UseKestrel(0);
        portal.StartServer();
        var address = portal.ClientOptions.BaseAddress;
        using var client = portal.CreateClient();

        using var response = await client.GetAsync("/connector/apiDefinition.swagger.json");
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);

        using (var json = JsonDocument.Parse(text))
        {
            Assert.Equal("2.0", json.RootElement.GetProperty("swagger").GetString());
            Assert.Equal(address.Authority, json.RootElement.GetProperty("host").GetString());
            Assert.NotEqual(Placeholder, json.RootElement.GetProperty("host").GetString());
            Assert.Equal([address.Scheme], json.RootElement.GetProperty("schemes").EnumerateArray().Select(s => s.GetString()));
            Assert.Equal(BasePath, json.RootElement.GetProperty("basePath").GetString());
        }

        // Still the same connector, and still readable.
        var (served, diagnostic) = Read(text);
        Assert.Empty(diagnostic.Errors);
        Assert.Equal(Operations(Read(File.ReadAllText(DefinitionPath)).Document).Select(o => o.Operation.OperationId).Order(),
            Operations(served).Select(o => o.Operation.OperationId).Order());
    }

    [Fact]
    public async Task ServedDefinition_FollowsPortalBaseUrl_BehindAProxy()
    {
        await using var portal = new PortalFactory();
        portal.Settings["Portal:BaseUrl"] = "https://security.contoso.com/adminportal/";
        using var client = portal.CreateClient();

        using var response = await client.GetAsync("/connector/apiDefinition.swagger.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("security.contoso.com", json.RootElement.GetProperty("host").GetString());
        Assert.Equal(["https"], json.RootElement.GetProperty("schemes").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal("/adminportal/cas/api/v1", json.RootElement.GetProperty("basePath").GetString());
    }

    private static string DefinitionPath
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "AdminPortal.sln")))
                directory = directory.Parent;
            Assert.NotNull(directory);
            return Path.Combine(directory.FullName, "connector", "apiDefinition.swagger.json");
        }
    }

    /// <summary>Reads the text with OpenAPI.NET's reader, which reads Swagger 2.0 into its OpenAPI model.</summary>
    private static (OpenApiDocument Document, OpenApiDiagnostic Diagnostic) Read(string text)
    {
        var (document, diagnostic) = OpenApiDocument.Parse(text, OpenApiConstants.Json, new OpenApiReaderSettings());
        Assert.NotNull(diagnostic);
        Assert.True(document is not null, string.Join("\n", diagnostic.Errors.Select(e => $"{e.Pointer}: {e.Message}")));
        return (document, diagnostic);
    }

    private static List<(string Method, string Path, OpenApiOperation Operation)> Operations(OpenApiDocument document) =>
        document.Paths
            .SelectMany(path => (path.Value.Operations ?? []).Select(o => (Method: o.Key.Method.ToUpperInvariant(), Path: path.Key, Operation: o.Value)))
            .ToList();

    private static JsonNode? Extension(IDictionary<string, IOpenApiExtension>? extensions, string name) =>
        extensions is not null && extensions.TryGetValue(name, out var extension) ? Assert.IsType<JsonNodeExtension>(extension).Node : null;

    private static IOpenApiSchema Definition(OpenApiDocument document, string reference)
    {
        const string prefix = "#/definitions/";
        Assert.StartsWith(prefix, reference);
        return document.Components!.Schemas![reference[prefix.Length..]];
    }

    /// <summary>Route parameters by position, not name; a trailing slash routes the same with or without.</summary>
    private static string Normalize(string pattern) => RouteParameter().Replace(pattern, "{}").TrimEnd('/').ToLowerInvariant();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex RouteParameter();
}
