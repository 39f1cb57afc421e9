using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AdminPortal.Core.Features.Users;
using AdminPortal.IntegrationTests.ApiTokens;
using AdminPortal.Testing;

namespace AdminPortal.IntegrationTests.Alerts;

/// <summary>The database a test class runs on.</summary>
public enum TestDb { Sqlite, PostgreSql }

/// <summary>Who calls the API: one token per role.</summary>
public enum Caller { Admin, Operator, Reader }

/// <summary>
/// The real portal (SQLite file or a database of its own on the test PostgreSQL server) with an admin, an
/// operator and a reader, each holding an API token, and helpers for the MCAS-style calls the tests make.
/// </summary>
public sealed class ApiPortal : IAsyncDisposable
{
    public const string AdminUpn = "admin.api@contoso.com";
    public const string OperatorUpn = "operator.api@contoso.com";
    public const string ReaderUpn = "reader.api@contoso.com";
    /// <summary>The portal's fake clock starts here (PortalFactory).</summary>
    public static readonly DateTimeOffset Start = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);

    private readonly Dictionary<Caller, string> _authorization = [];
    private readonly TestPostgres? _postgres;

    private ApiPortal(PortalFactory factory, TestPostgres? postgres)
    {
        Factory = factory;
        _postgres = postgres;
    }

    public PortalFactory Factory { get; }
    public HttpClient Client { get; private set; } = null!;

    public static async Task<ApiPortal> StartAsync(TestDb database, Action<Dictionary<string, string?>>? settings = null,
        Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? services = null)
    {
        var postgres = database == TestDb.PostgreSql ? await TestPostgres.CreateDatabaseAsync() : null;
        var factory = new PortalFactory();
        if (postgres is not null)
        {
            factory.Settings["Database:Provider"] = "PostgreSql";
            // Pooled (TestPostgres turns pooling off): a test makes hundreds of short calls. The pool is cleared and the
            // database dropped WITH (FORCE) when the test ends.
            factory.Settings["Database:ConnectionString"] = new Npgsql.NpgsqlConnectionStringBuilder(postgres.ConnectionString) { Pooling = true }.ConnectionString;
        }
        settings?.Invoke(factory.Settings);
        factory.ConfigureServices = services;
        var portal = new ApiPortal(factory, postgres);
        try
        {
            portal.Client = factory.CreateClient();
            foreach (var (caller, upn, role) in new[]
                     {
                         (Caller.Admin, AdminUpn, PortalRole.GlobalAdmin),
                         (Caller.Operator, OperatorUpn, PortalRole.SecurityOperator),
                         (Caller.Reader, ReaderUpn, PortalRole.SecurityReader),
                     })
            {
                var user = await factory.AddUserAsync(upn, role);
                portal._authorization[caller] = "Token " + (await factory.CreateTokenAsync(user, $"{caller} tests")).Value;
            }
            return portal;
        }
        catch
        {
            await portal.DisposeAsync();
            throw;
        }
    }

    /// <summary>The <c>Authorization</c> header value of the caller's token.</summary>
    public string Authorization(Caller caller) => _authorization[caller];

    public DateTimeOffset Now => Factory.Time.GetUtcNow();

    public void Advance(TimeSpan by) => Factory.Time.Advance(by);

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? json, Caller caller = Caller.Admin) =>
        Client.CallAsync(path, _authorization[caller], method, json is null ? null : new StringContent(json, Encoding.UTF8, "application/json"));

    public Task<HttpResponseMessage> PostAsync(string path, string? json, Caller caller = Caller.Admin) => SendAsync(HttpMethod.Post, path, json, caller);

    public Task<HttpResponseMessage> GetAsync(string path, Caller caller = Caller.Reader) => SendAsync(HttpMethod.Get, path, null, caller);

    /// <summary>The JSON of a response that must have the given status (200 unless told).</summary>
    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.OK)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status,
            $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}: {(int)response.StatusCode}, expected {(int)status}: {body}");
        using var json = JsonDocument.Parse(body);
        return json.RootElement.Clone();
    }

    /// <summary>
    /// Asserts RFC 9457 problem details with the status, and returns them so the test can check what they name.
    /// </summary>
    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        var mismatch = await ApiCalls.ProblemMismatchAsync(response, (int)status);
        Assert.True(mismatch is null, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}: {mismatch}; body: {body}");
        using var json = JsonDocument.Parse(body);
        return json.RootElement.Clone();
    }

    /// <summary>The <c>errors</c> of a validation problem, by field.</summary>
    public static Dictionary<string, string[]> Errors(JsonElement problem)
    {
        Assert.True(problem.TryGetProperty("errors", out var errors), $"No \"errors\" in {problem}");
        return errors.EnumerateObject().ToDictionary(e => e.Name, e => e.Value.EnumerateArray().Select(m => m.GetString()!).ToArray());
    }

    /// <summary>Everything a problem says (title, detail, each error message), for "names the field" checks.</summary>
    public static string ProblemText(JsonElement problem) => problem.GetRawText();

    // ---- Policies ----

    /// <summary>Creates a policy through the API as the admin; returns its id.</summary>
    public async Task<string> CreatePolicyAsync(string json)
    {
        var created = await JsonAsync(await PostAsync("/api/v1/policies/", json), HttpStatusCode.Created);
        return created.GetProperty("_id").GetString()!;
    }

    /// <summary>A policy alerting on every activity of one type, with the given severity and daily limit.</summary>
    public Task<string> CreatePolicyAsync(string name, string activityType, int severity = 1, int dailyLimit = 100, string? extra = null) =>
        CreatePolicyAsync($$$"""
            {
              "name": "{{{name}}}",
              "severity": {{{severity}}},
              "conditions": [{ "field": "activityType", "operator": "equals", "values": ["{{{activityType}}}"] }],
              "alertSettings": { "createAlert": true, "alertDailyLimit": {{{dailyLimit}}} }
              {{{(extra is null ? "" : "," + extra)}}}
            }
            """);

    // ---- Activities ----

    /// <summary>An activity item as the ingest call takes it; <paramref name="at"/> defaults to the portal's now.</summary>
    public JsonObject Activity(string user, string activityType, DateTimeOffset? at = null, string app = "Office 365",
        string? ip = null, string? country = null, string? objectName = null)
    {
        var item = new JsonObject
        {
            ["timestamp"] = (at ?? Now).ToUnixTimeMilliseconds(),
            ["app"] = app,
            ["activityType"] = activityType,
            ["user"] = user,
        };
        if (ip is not null) item["ipAddress"] = ip;
        if (country is not null) item["country"] = country;
        if (objectName is not null) item["objectName"] = objectName;
        return item;
    }

    /// <summary>Ingests the items as the operator; the answer must be 200.</summary>
    public async Task<JsonElement> IngestAsync(params JsonNode[] items) =>
        await JsonAsync(await PostAsync("/api/v1/activities/ingest/", new JsonArray(items.Select(i => i.DeepClone()).ToArray()).ToJsonString(), Caller.Operator));

    /// <summary><c>POST /api/v1/activities/</c> as the reader; the answer must be 200.</summary>
    public async Task<JsonElement> ListActivitiesAsync(string json = "{}") =>
        await JsonAsync(await PostAsync("/api/v1/activities/", json, Caller.Reader));

    // ---- Alerts ----

    /// <summary><c>POST /api/v1/alerts/</c> as the reader; the answer must be 200.</summary>
    public async Task<JsonElement> ListAlertsAsync(string json = "{}", string path = "/api/v1/alerts/") =>
        await JsonAsync(await PostAsync(path, json, Caller.Reader));

    /// <summary>The <c>_id</c>s of a list answer, in order.</summary>
    public static List<string> Ids(JsonElement envelope) =>
        envelope.GetProperty("data").EnumerateArray().Select(a => a.GetProperty("_id").GetString()!).ToList();

    public async Task<JsonElement> GetAlertAsync(string id) => await JsonAsync(await GetAsync($"/api/v1/alerts/{id}/"));

    /// <summary>The ids of the alerts a policy raised, newest first.</summary>
    public async Task<List<string>> AlertIdsOfPolicyAsync(string policyId) =>
        Ids(await ListAlertsAsync($$$"""{"filters": {"entity.policy": {"eq": ["{{{policyId}}}"]} } }"""));

    public static string Ms(DateTimeOffset at) => at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        Factory.Dispose();
        if (_postgres is not null)
            await _postgres.DisposeAsync();
    }
}

/// <summary>Starts an <see cref="ApiPortal"/> per test on the class's database, and disposes it afterwards.</summary>
public abstract class ApiPortalTest(TestDb database) : IAsyncLifetime
{
    private readonly List<ApiPortal> _portals = [];

    protected TestDb Database { get; } = database;

    /// <summary>A fresh portal for this test; <paramref name="settings"/> changes configuration before it starts.</summary>
    protected async Task<ApiPortal> StartAsync(Action<Dictionary<string, string?>>? settings = null,
        Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? services = null)
    {
        var portal = await ApiPortal.StartAsync(Database, settings, services);
        _portals.Add(portal);
        return portal;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var portal in _portals)
            await portal.DisposeAsync();
    }
}
