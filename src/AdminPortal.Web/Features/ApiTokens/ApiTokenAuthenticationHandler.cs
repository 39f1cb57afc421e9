using System.Security.Claims;
using System.Text.Encodings.Web;
using AdminPortal.Core.Features.ApiTokens;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

using AdminPortal.Web.Api;

namespace AdminPortal.Web.Features.ApiTokens;

/// <summary>
/// <c>Authorization: Token &lt;value&gt;</c> (MCAS) or <c>Bearer &lt;value&gt;</c>. The principal carries the
/// owner's role as it is now, read on every request. Failures answer 401 problem details; a client
/// address that keeps sending bad tokens gets 429.
/// </summary>
public sealed class ApiTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    ApiTokenService tokens, BadTokenThrottle throttle)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiToken";
    public const string TokenIdClaim = "adminportal:token_id";
    public const string TokenNameClaim = "adminportal:token_name";
    private const int MaxHeaderLength = 512;

    private string? _failure;
    /// <summary>Set when this request came from an address already over the bad-token limit.</summary>
    private TimeSpan? _throttledFor;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var headers = Request.Headers.Authorization;
        if (headers.Count == 0)
            return AuthenticateResult.NoResult();
        if (throttle.IsThrottled(ClientAddress, out var retryAfter))
        {
            _throttledFor = retryAfter;
            return Fail("Too many requests with invalid tokens from this address.");
        }

        var header = headers.Count == 1 ? headers[0] : null;
        if (header is null || header.Length > MaxHeaderLength)
            return Fail("The Authorization header is malformed: expected 'Token <value>' or 'Bearer <value>'.", counts: true);
        var space = header.IndexOf(' ');
        var scheme = space > 0 ? header[..space] : header;
        var value = space > 0 ? header[(space + 1)..].Trim() : "";
        if (!scheme.Equals("Token", StringComparison.OrdinalIgnoreCase) && !scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
            return Fail("The Authorization header is malformed: expected 'Token <value>' or 'Bearer <value>'.", counts: true);

        var result = await tokens.AuthenticateAsync(value, ClientAddress, Context.RequestAborted);
        if (!result.Succeeded)
        {
            return Fail(result.Failure switch
            {
                ApiTokenFailure.Malformed => "The API token is malformed.",
                ApiTokenFailure.Revoked => "The API token was revoked.",
                ApiTokenFailure.Expired => "The API token has expired.",
                ApiTokenFailure.OwnerDisabled => "The API token's owner is disabled.",
                _ => "The API token is not valid.",
            }, counts: true);
        }

        var owner = result.Owner!;
        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, owner.Id.ToString()),
                new Claim(ClaimTypes.Name, owner.Upn),
                new Claim(ClaimTypes.Role, owner.Role.ToString()),
                new Claim(TokenIdClaim, result.Token!.Id.ToString()),
                new Claim(TokenNameClaim, result.Token.Name),
            ],
            SchemeName, ClaimTypes.Name, ClaimTypes.Role);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    private AuthenticateResult Fail(string reason, bool counts = false)
    {
        if (counts)
            throttle.RecordFailure(ClientAddress);
        _failure = reason;
        return AuthenticateResult.Fail(reason);
    }

    private string ClientAddress => Context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (_throttledFor is { } retryAfter)
        {
            Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString();
            await ApiProblems.WriteAsync(Context, StatusCodes.Status429TooManyRequests, "Too many requests",
                "Too many requests with invalid API tokens from this address; try again later.");
            return;
        }
        Response.Headers.WWWAuthenticate = "Token, Bearer";
        await ApiProblems.WriteAsync(Context, StatusCodes.Status401Unauthorized, "Unauthorized",
            _failure ?? "An API token is required: send 'Authorization: Token <value>'.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        ApiProblems.WriteAsync(Context, StatusCodes.Status403Forbidden, "Forbidden",
            $"The token acts as {Context.User.Identity?.Name} ({Context.User.FindFirstValue(ClaimTypes.Role)}), whose role may not do this.");
}
