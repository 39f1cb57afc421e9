using System.Text.Json;
using AdminPortal.Web.Features.ApiTokens;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace AdminPortal.Web.Api;

/// <summary>A request body read as JSON (or form values), or the problem that stopped it.</summary>
public sealed record ApiBody(JsonElement Json, IReadOnlyDictionary<string, string> Values, ProblemHttpResult? Problem)
{
    public bool Failed => Problem is not null;
    public bool HasJson => Json.ValueKind != JsonValueKind.Undefined;
}

/// <summary>
/// Reads API bodies the MCAS way: JSON, with <c>limit</c>/<c>skip</c>/… also as query or form values.
/// Too large → 413, not JSON → 400 naming the line and byte, never a 500.
/// </summary>
public static class ApiRequests
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 32 };

    public static async Task<ApiBody> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var values = request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal);
        var limit = request.HttpContext.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value.MaxRequestBodyBytes;
        if (request.ContentLength > limit)
            return TooLarge(values, limit);

        if (request.HasFormContentType)
        {
            try
            {
                var form = await request.ReadFormAsync(cancellationToken);
                foreach (var (key, value) in form)
                    values[key] = value.ToString();
                return new ApiBody(default, values, null);
            }
            catch (InvalidDataException e)
            {
                return new ApiBody(default, values, Problem(StatusCodes.Status400BadRequest, "Malformed form body", e.Message));
            }
        }

        using var buffer = new MemoryStream();
        try
        {
            await CopyAtMostAsync(request.Body, buffer, limit, cancellationToken);
        }
        catch (BodyTooLargeException)
        {
            return TooLarge(values, limit);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(values, limit);
        }
        if (buffer.Length == 0)
            return new ApiBody(default, values, null);

        buffer.Position = 0;
        try
        {
            using var document = JsonDocument.Parse(buffer, DocumentOptions);
            return new ApiBody(document.RootElement.Clone(), values, null);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" (line {line + 1}, byte {e.BytePositionInLine + 1})" : "";
            return new ApiBody(default, values, Problem(StatusCodes.Status400BadRequest, "Malformed JSON", $"The body is not valid JSON{where}."));
        }
    }

    public static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(detail, statusCode: status, title: title);

    public static ProblemHttpResult NotFound(string what, string id) =>
        Problem(StatusCodes.Status404NotFound, "Not found", $"There is no {what} with id '{Shorten(id)}'.");

    public static ValidationProblem Invalid(IReadOnlyDictionary<string, string[]> errors, string? detail = null) =>
        TypedResults.ValidationProblem(errors, detail ?? "The request has invalid fields; see errors.");

    public static ValidationProblem Invalid(string field, string message) =>
        Invalid(new Dictionary<string, string[]> { [field] = [message] });

    private static ApiBody TooLarge(IReadOnlyDictionary<string, string> values, long limit) =>
        new(default, values, Problem(StatusCodes.Status413PayloadTooLarge, "Body too large",
            $"The request body is larger than {limit / 1024:N0} KiB; send fewer items per call."));

    private static string Shorten(string text) => text.Length <= 64 ? text : text[..64] + "…";

    private static async Task CopyAtMostAsync(Stream from, Stream to, long limit, CancellationToken cancellationToken)
    {
        var chunk = new byte[81920];
        long total = 0;
        int read;
        while ((read = await from.ReadAsync(chunk, cancellationToken)) > 0)
        {
            total += read;
            if (total > limit)
                throw new BodyTooLargeException();
            await to.WriteAsync(chunk.AsMemory(0, read), cancellationToken);
        }
    }

    private sealed class BodyTooLargeException : Exception;
}
