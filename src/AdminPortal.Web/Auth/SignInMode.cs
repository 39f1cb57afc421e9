namespace AdminPortal.Web.Auth;

/// <summary>Entra ID when the <c>AzureAd</c> section names a client; otherwise local mode.</summary>
public sealed record SignInMode(bool IsEntra)
{
    public bool IsLocal => !IsEntra;

    public static SignInMode From(IConfiguration configuration) =>
        new(!string.IsNullOrWhiteSpace(configuration["AzureAd:ClientId"]));
}
