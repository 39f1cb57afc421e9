namespace AdminPortal.Web.Auth;

/// <summary>Only paths on this portal are followed after sign-in: no open redirects.</summary>
public static class ReturnUrls
{
    public static string Safe(string? returnUrl)
    {
        if (string.IsNullOrEmpty(returnUrl) || returnUrl.Length > 2048)
            return "/";
        // "/path" is local; "//host" and "/\host" are protocol-relative; control characters can smuggle either.
        var isLocal = returnUrl[0] == '/'
            && (returnUrl.Length == 1 || (returnUrl[1] != '/' && returnUrl[1] != '\\'))
            && !returnUrl.Any(char.IsControl);
        return isLocal ? returnUrl : "/";
    }
}
