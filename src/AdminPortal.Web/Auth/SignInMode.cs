using AdminPortal.Core.Data;

namespace AdminPortal.Web.Auth;

/// <summary>Entra ID when the <c>AzureAd</c> section names a client; otherwise local mode.</summary>
public sealed record SignInMode(bool IsEntra)
{
    public bool IsLocal => !IsEntra;

    public static SignInMode From(IConfiguration configuration) =>
        new(!string.IsNullOrWhiteSpace(configuration["AzureAd:ClientId"]));

    /// <summary>Entra ID needs the whole app registration; a half-filled section must stop the start, not every request.</summary>
    public static void EnsureEntraSettings(IConfiguration configuration)
    {
        var azureAd = configuration.GetSection("AzureAd");
        foreach (var key in new[] { "Instance", "TenantId", "ClientId" })
        {
            if (string.IsNullOrWhiteSpace(azureAd[key]))
                throw new StartupFailureException($"AzureAd:{key} is required when AzureAd:ClientId is set (Entra ID sign-in).");
        }
        if (!Uri.TryCreate(azureAd["Instance"], UriKind.Absolute, out var instance) || instance.Scheme != Uri.UriSchemeHttps)
            throw new StartupFailureException($"AzureAd:Instance must be an https URL such as https://login.microsoftonline.com/, not '{azureAd["Instance"]}'.");
        // The authorization code is redeemed by the portal: it needs a credential of its own.
        if (string.IsNullOrWhiteSpace(azureAd["ClientSecret"]) && !azureAd.GetSection("ClientCredentials").GetChildren().Any())
            throw new StartupFailureException("AzureAd:ClientSecret (or AzureAd:ClientCredentials) is required: sign-in uses the authorization code flow.");
    }
}
