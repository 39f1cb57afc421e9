using System.Security.Cryptography;

namespace AdminPortal.Core;

/// <summary>Ids in the MCAS shape: 24 lower-case hex characters.</summary>
public static class PortalIds
{
    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    public static bool IsValid(string? id) =>
        id is { Length: 24 } && id.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));
}
