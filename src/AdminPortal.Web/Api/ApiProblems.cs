namespace AdminPortal.Web.Api;

/// <summary>RFC 9457 problem details for API answers written outside an endpoint (auth, rate limits).</summary>
public static class ApiProblems
{
    public static async Task WriteAsync(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }

    public static bool IsApiRequest(HttpContext context) =>
        context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/cas/api");
}
