namespace AdminPortal.Web.Api;

/// <summary>RFC 9457 problem details for API answers written outside an endpoint (auth, rate limits).</summary>
public static class ApiProblems
{
    /// <summary>Always <c>application/problem+json</c>, whatever the client's Accept header says.</summary>
    public static Task WriteAsync(HttpContext context, int status, string title, string detail) =>
        TypedResults.Problem(detail, statusCode: status, title: title).ExecuteAsync(context);

    public static bool IsApiRequest(HttpContext context) =>
        context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/cas/api");
}
