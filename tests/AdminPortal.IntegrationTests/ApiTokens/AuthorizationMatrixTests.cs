using System.Net;
using System.Reflection;
using System.Text;
using AdminPortal.Core.Features.ApiTokens;
using AdminPortal.Core.Features.Users;
using AdminPortal.Testing;
using AdminPortal.Web.Api;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace AdminPortal.IntegrationTests.ApiTokens;

/// <summary>
/// Every API endpoint the app maps (found in its endpoint data sources, so later endpoints are
/// covered without touching this file) × every kind of caller, with the status each must get.
/// </summary>
public sealed class AuthorizationMatrixTests(AuthorizationMatrixTests.MatrixPortal matrix, ITestOutputHelper output)
    : IClassFixture<AuthorizationMatrixTests.MatrixPortal>
{
    /// <summary>Which roles each API policy lets in, written out here rather than read from the app.</summary>
    private static readonly Dictionary<string, PortalRole[]> AllowedRoles = new()
    {
        [ApiPolicies.Reader] = [PortalRole.SecurityReader, PortalRole.SecurityOperator, PortalRole.GlobalAdmin],
        [ApiPolicies.Operator] = [PortalRole.SecurityOperator, PortalRole.GlobalAdmin],
        [ApiPolicies.Admin] = [PortalRole.GlobalAdmin],
    };

    public static TheoryData<string> Callers => new(MatrixPortal.CallerNames);

    [Fact]
    public void TheApp_MapsTheMeEndpoint_UnderBothPrefixes()
    {
        var paths = matrix.Endpoints.Select(e => e.Path).ToList();

        Assert.Contains("/api/v1/me/", paths);
        Assert.Contains("/cas/api/v1/me/", paths);
    }

    [Fact]
    public void EveryApiEndpoint_RequiresAnApiPolicy_AndNoneAllowsAnonymous()
    {
        var failures = matrix.Endpoints
            .Select(endpoint => (endpoint, problem: PolicyProblem(endpoint.Endpoint)))
            .Where(x => x.problem is not null)
            .Select(x => $"{x.endpoint.Display}: {x.problem}")
            .ToList();

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Theory]
    [MemberData(nameof(Callers))]
    public async Task EveryApiEndpoint_AnswersEachCaller_WithTheStatusItsRoleDeserves(string callerName)
    {
        var caller = matrix.Caller(callerName);
        var client = matrix.Portal.CreateClient();
        var failures = new List<string>();

        foreach (var endpoint in matrix.Endpoints)
        {
            foreach (var method in endpoint.Methods)
            {
                var what = $"{method} {endpoint.Path} as {caller.Name}";
                var content = method is "POST" or "PUT" or "PATCH" ? new StringContent("{}", Encoding.UTF8, "application/json") : null;
                using var response = await client.CallAsync(endpoint.Path, caller.Authorization, new HttpMethod(method), content);
                var status = (int)response.StatusCode;
                output.WriteLine($"{what}: {status}");

                if (caller.Role is not { } role)
                {
                    if (await ApiCalls.ProblemMismatchAsync(response, StatusCodes.Status401Unauthorized) is { } mismatch)
                        failures.Add($"{what}: {mismatch}");
                    continue;
                }
                if (RequiredPolicy(endpoint.Endpoint) is not { } policy)
                {
                    failures.Add($"{what}: the endpoint has no API policy, so no role can be checked");
                    continue;
                }
                if (!AllowedRoles[policy].Contains(role))
                {
                    if (await ApiCalls.ProblemMismatchAsync(response, StatusCodes.Status403Forbidden) is { } mismatch)
                        failures.Add($"{what} ({policy}): {mismatch}");
                    continue;
                }
                if (status is StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden or StatusCodes.Status429TooManyRequests or >= 500)
                    failures.Add($"{what} ({policy}): status {status}, but the role is allowed: {await response.Content.ReadAsStringAsync()}");
                else if (status >= 400 && method != "HEAD" && await ApiCalls.ProblemMismatchAsync(response, status) is { } mismatch)
                    failures.Add($"{what} ({policy}): an error that is not problem details: {mismatch}");
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Fact]
    public async Task PortalCookie_WithoutAToken_IsNotAcceptedOnTheApi()
    {
        var browser = matrix.Portal.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var secret = await matrix.Portal.Services.GetRequiredService<UserService>().CreateSignInLinkAsync("admin@localhost");
        await browser.SignInWithLinkAsync(secret);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/policies")).StatusCode); // the cookie does sign in to the portal

        var api = await browser.GetAsync("/api/v1/me/");
        var cas = await browser.GetAsync("/cas/api/v1/me/");

        await ApiCalls.AssertProblemAsync(api, HttpStatusCode.Unauthorized);
        await ApiCalls.AssertProblemAsync(cas, HttpStatusCode.Unauthorized);
    }

    /// <summary>The API policy an endpoint requires (the strictest if it names several); null if it has none.</summary>
    private static string? RequiredPolicy(Endpoint endpoint)
    {
        var policies = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).ToList();
        if (policies.Count == 0 || policies.Any(p => p is null || !AllowedRoles.ContainsKey(p)))
            return null;
        return policies.OrderBy(p => AllowedRoles[p!].Length).First();
    }

    private static string? PolicyProblem(Endpoint endpoint)
    {
        if (endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
            return "allows anonymous callers";
        var authorize = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>();
        if (authorize.Count == 0)
            return "has no authorization metadata";
        var others = authorize.Where(a => a.Policy is null || !AllowedRoles.ContainsKey(a.Policy)).ToList();
        return others.Count == 0
            ? null
            : $"requires authorization without one of the API policies ({string.Join(", ", others.Select(a => a.Policy ?? $"roles '{a.Roles}', schemes '{a.AuthenticationSchemes}'"))})";
    }

    public sealed record ApiEndpoint(RouteEndpoint Endpoint, string Path, IReadOnlyList<string> Methods)
    {
        public string Display => $"{string.Join("|", Methods)} {Endpoint.RoutePattern.RawText}";
    }

    public sealed record CallerIdentity(string Name, string? Authorization, PortalRole? Role);

    /// <summary>One portal for the whole matrix: tokens of every kind, and the API endpoints it maps.</summary>
    public sealed class MatrixPortal : IAsyncLifetime
    {
        public static readonly string[] CallerNames =
        [
            "no header", "'Token' without a value", "Basic credentials", "10 KB header", "non-ASCII token",
            "unknown token", "revoked token", "expired token", "token of a disabled owner",
            "reader token", "operator token", "admin token",
        ];

        private readonly Dictionary<string, CallerIdentity> _callers = [];

        public PortalFactory Portal { get; } = new()
        {
            Settings =
            {
                // The matrix sends many bad tokens and many calls per token: neither limit may answer for it.
                ["Api:BadTokenAttemptsPerWindow"] = "100000",
                ["Api:RequestsPerMinute"] = "1000000",
            },
        };

        public IReadOnlyList<ApiEndpoint> Endpoints { get; private set; } = [];

        public CallerIdentity Caller(string name) => _callers[name];

        public async Task InitializeAsync()
        {
            Endpoints = ApiEndpoints(Portal.Services.GetRequiredService<EndpointDataSource>());

            var reader = await Portal.AddUserAsync("reader@contoso.com", PortalRole.SecurityReader);
            var operatorUser = await Portal.AddUserAsync("operator@contoso.com", PortalRole.SecurityOperator);
            var admin = await Portal.AddUserAsync("admin@contoso.com", PortalRole.GlobalAdmin);
            var leaver = await Portal.AddUserAsync("leaver@contoso.com", PortalRole.GlobalAdmin);

            var revoked = await Portal.CreateTokenAsync(admin, "revoked");
            var expired = await Portal.CreateTokenAsync(admin, "expires", expiresInDays: 1);
            var ofLeaver = await Portal.CreateTokenAsync(leaver, "leaver");
            var readerToken = await Portal.CreateTokenAsync(reader, "reader");
            var operatorToken = await Portal.CreateTokenAsync(operatorUser, "operator");
            var adminToken = await Portal.CreateTokenAsync(admin, "admin");

            // Each token that must fail worked until the one thing that stops it.
            var client = Portal.CreateClient();
            foreach (var token in new[] { revoked, expired, ofLeaver })
            {
                var before = await client.CallAsync("/api/v1/me/", "Token " + token.Value);
                Assert.True(before.StatusCode == HttpStatusCode.OK, $"Token '{token.Token.Name}' did not work before it was stopped: {(int)before.StatusCode}");
            }
            await Portal.RevokeTokenAsync(revoked.Token.Id);
            await using (var db = Portal.CreateDbContext())
                await db.Users.Where(u => u.Id == leaver.Id).ExecuteUpdateAsync(set => set.SetProperty(u => u.IsDisabled, true));
            Portal.Time.Advance(TimeSpan.FromDays(2));

            Add(CallerNames[0], null);
            Add(CallerNames[1], "Token");
            Add(CallerNames[2], "Basic abc");
            Add(CallerNames[3], "Token " + new string('a', 10 * 1024));
            Add(CallerNames[4], "Token " + string.Concat(Enumerable.Repeat("aé", 32)));
            Add(CallerNames[5], "Token " + ApiTokenValues.Generate());
            Add(CallerNames[6], "Token " + revoked.Value);
            Add(CallerNames[7], "Token " + expired.Value);
            Add(CallerNames[8], "Token " + ofLeaver.Value);
            Add(CallerNames[9], "Token " + readerToken.Value, PortalRole.SecurityReader);
            Add(CallerNames[10], "Token " + operatorToken.Value, PortalRole.SecurityOperator);
            Add(CallerNames[11], "Token " + adminToken.Value, PortalRole.GlobalAdmin);
        }

        private void Add(string name, string? authorization, PortalRole? role = null) =>
            _callers.Add(name, new CallerIdentity(name, authorization, role));

        public Task DisposeAsync()
        {
            Portal.Dispose();
            return Task.CompletedTask;
        }

        private static List<ApiEndpoint> ApiEndpoints(EndpointDataSource dataSource) =>
            dataSource.Endpoints.OfType<RouteEndpoint>()
                .Where(e => IsApiRoute(e.RoutePattern.RawText ?? SamplePath(e)))
                .Select(e => new ApiEndpoint(e, SamplePath(e),
                    e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods is { Count: > 0 } methods ? [.. methods] : ["GET"]))
                .OrderBy(e => e.Path, StringComparer.Ordinal)
                .ToList();

        private static bool IsApiRoute(string route)
        {
            var path = "/" + route.TrimStart('/');
            return path.StartsWith("/api/", StringComparison.OrdinalIgnoreCase) || path.StartsWith("/cas/api/", StringComparison.OrdinalIgnoreCase);
        }

        /// <summary>The route with a plausible value in each parameter.</summary>
        private static string SamplePath(RouteEndpoint endpoint)
        {
            var path = new StringBuilder();
            foreach (var segment in endpoint.RoutePattern.PathSegments)
            {
                path.Append('/');
                foreach (var part in segment.Parts)
                {
                    path.Append(part switch
                    {
                        RoutePatternLiteralPart literal => literal.Content,
                        RoutePatternSeparatorPart separator => separator.Content,
                        RoutePatternParameterPart parameter => Uri.EscapeDataString(SampleValue(endpoint, parameter)),
                        _ => throw new InvalidOperationException($"Unknown route part {part.GetType().Name}"),
                    });
                }
            }
            if (endpoint.RoutePattern.RawText?.EndsWith('/') == true || path.Length == 0)
                path.Append('/');
            return path.ToString();
        }

        private static string SampleValue(RouteEndpoint endpoint, RoutePatternParameterPart parameter)
        {
            var constraints = parameter.ParameterPolicies.Select(p => p.Content ?? p.ParameterPolicy?.GetType().Name ?? "").ToList();
            var type = endpoint.Metadata.GetMetadata<MethodInfo>()?.GetParameters()
                .FirstOrDefault(p => string.Equals(p.Name, parameter.Name, StringComparison.OrdinalIgnoreCase))?.ParameterType;
            type = type is null ? null : Nullable.GetUnderlyingType(type) ?? type;

            bool Is(string constraint, params Type[] types) =>
                constraints.Any(c => c.StartsWith(constraint, StringComparison.OrdinalIgnoreCase)) || (type is not null && types.Contains(type));

            if (Is("guid", typeof(Guid)))
                return Guid.NewGuid().ToString();
            if (Is("int", typeof(int), typeof(long), typeof(short)) || Is("long") || Is("min") || Is("max") || Is("range"))
                return "1";
            if (Is("bool", typeof(bool)))
                return "true";
            if (Is("datetime", typeof(DateTime), typeof(DateTimeOffset)))
                return "2026-11-27T09:00:00Z";
            // MCAS ids (alerts, activities, policies) are 24 hex digits.
            return "5f1e0c8a9b3d2e4f6a7b8c9d";
        }
    }
}
