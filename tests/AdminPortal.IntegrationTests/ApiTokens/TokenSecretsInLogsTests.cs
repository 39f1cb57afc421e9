using System.Net;
using AdminPortal.Core.Features.Users;
using AdminPortal.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AdminPortal.IntegrationTests.ApiTokens;

/// <summary>Nothing logs a token value, not even at the most verbose level.</summary>
public sealed class TokenSecretsInLogsTests : IDisposable
{
    private readonly CapturingLoggerProvider _logs = new();
    private readonly PortalFactory _portal = new();

    public TokenSecretsInLogsTests()
    {
        _portal.Settings["Logging:LogLevel:Default"] = "Trace";
        _portal.Settings["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace";
        _portal.Settings["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Trace";
        _portal.ConfigureServices = services =>
        {
            services.AddSingleton<ILoggerProvider>(_logs);
            // A rule for this provider wins over any category rule in appsettings.
            services.Configure<LoggerFilterOptions>(filters => filters.AddFilter<CapturingLoggerProvider>(null, LogLevel.Trace));
        };
    }

    public void Dispose() => _portal.Dispose();

    [Fact]
    public async Task TokenValue_NeverAppearsInAnyLogMessage()
    {
        var owner = await _portal.AddUserAsync("operator@contoso.com", PortalRole.SecurityOperator);
        var token = await _portal.CreateTokenAsync(owner, "logged?");
        var client = _portal.CreateClient();

        var valid = await client.CallAsync("/api/v1/me/", "Token " + token.Value);
        var bearer = await client.CallAsync("/cas/api/v1/me", "Bearer " + token.Value);
        await _portal.RevokeTokenAsync(token.Token.Id);
        var revoked = await client.CallAsync("/api/v1/me/", "Token " + token.Value);
        var withJunk = await client.CallAsync("/api/v1/me/", "Token " + token.Value + "!");

        Assert.Equal(HttpStatusCode.OK, valid.StatusCode);
        Assert.Equal(HttpStatusCode.OK, bearer.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, withJunk.StatusCode);
        var entries = _logs.Entries.ToList();
        // The capture really sees the verbose levels and the token path: debug authentication and EF commands.
        Assert.Contains(entries, e => e.Level == LogLevel.Debug && e.Text.Contains("ApiToken was successfully authenticated"));
        Assert.Contains(entries, e => e.Text.Contains("ApiToken was not authenticated"));
        Assert.Contains(entries, e => e.Category.StartsWith("Microsoft.EntityFrameworkCore.Database.Command", StringComparison.Ordinal));
        var leaks = entries.Where(e => e.Text.Contains(token.Value, StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.True(leaks.Count == 0, "The token value was logged:" + Environment.NewLine + string.Join(Environment.NewLine, leaks));
    }
}
