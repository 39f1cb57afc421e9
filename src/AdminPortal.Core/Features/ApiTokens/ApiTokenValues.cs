using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace AdminPortal.Core.Features.ApiTokens;

/// <summary>Token values: 64 base62 characters from a cryptographic RNG, matching the pattern MCAS tooling checks.</summary>
public static partial class ApiTokenValues
{
    public const int Length = 64;
    public const int PrefixLength = 8;
    private const string Alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

    public static string Generate() => RandomNumberGenerator.GetString(Alphabet, Length);

    /// <summary>What MCAS's PowerShell module accepts: <c>^[0-9a-zA-Z=]{64,192}$</c>.</summary>
    public static bool IsWellFormed(string? value) => value is not null && WellFormed().IsMatch(value);

    public static byte[] Hash(string value) => SHA256.HashData(Encoding.UTF8.GetBytes(value));

    public static string Prefix(string value) => value[..PrefixLength];

    /// <summary>Constant time, so response timing tells nothing about how much of a hash matched.</summary>
    public static bool Matches(byte[] storedHash, string value) => CryptographicOperations.FixedTimeEquals(storedHash, Hash(value));

    // \z, not $: $ would also accept a trailing newline.
    [GeneratedRegex(@"^[0-9a-zA-Z=]{64,192}\z")]
    private static partial Regex WellFormed();
}
