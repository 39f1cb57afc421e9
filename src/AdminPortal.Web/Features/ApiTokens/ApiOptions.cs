using System.ComponentModel.DataAnnotations;

namespace AdminPortal.Web.Features.ApiTokens;

/// <summary>The <c>Api</c> section: limits for token-authenticated calls.</summary>
public sealed class ApiOptions
{
    public const string Section = "Api";

    /// <summary>Requests per minute per token.</summary>
    [Range(1, 1_000_000)]
    public int RequestsPerMinute { get; set; } = 600;
    /// <summary>MCAS-strict: 60 requests per minute per token, whatever <see cref="RequestsPerMinute"/> says.</summary>
    public bool McasStrict { get; set; }
    /// <summary>Failed token attempts from one address before it gets 429 for the rest of the window.</summary>
    [Range(1, 100_000)]
    public int BadTokenAttemptsPerWindow { get; set; } = 20;
    public TimeSpan BadTokenWindow { get; set; } = TimeSpan.FromMinutes(1);
    /// <summary>Largest request body the API reads; larger ones get 413. 8 MiB holds a full ingest batch.</summary>
    [Range(1_024, 1_073_741_824)]
    public long MaxRequestBodyBytes { get; set; } = 8 * 1024 * 1024;

    public int EffectiveRequestsPerMinute => McasStrict ? 60 : RequestsPerMinute;
}
