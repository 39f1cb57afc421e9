using System.Net;

namespace AdminPortal.Core;

/// <summary>
/// IP parsing that refuses the legacy short forms <see cref="IPAddress.TryParse(string?, out IPAddress?)"/> accepts
/// ("10.1" is 10.0.0.1, "12345" is 0.0.48.57, "0x0A000001"): a truncated address must be an error, not another address.
/// </summary>
public static class IpAddresses
{
    public static bool TryParse(string? text, out IPAddress address)
    {
        address = IPAddress.None;
        if (string.IsNullOrWhiteSpace(text))
            return false;
        text = text.Trim();
        // A scope id ("fe80::1%eth0") names an interface of the sender's machine, not an address of the activity.
        if (text.Contains('%'))
            return false;
        if (!text.Contains(':'))
        {
            var parts = text.Split('.');
            if (parts.Length != 4 || parts.Any(p => p.Length is 0 or > 3 || !p.All(char.IsAsciiDigit) || int.Parse(p) > 255))
                return false;
        }
        if (!IPAddress.TryParse(text, out var parsed))
            return false;
        address = parsed;
        return true;
    }

    /// <summary>A CIDR range written as its network address: "203.0.113.7/24" is refused (host bits set), not widened.</summary>
    public static bool TryParseNetwork(string? text, out IPNetwork network)
    {
        network = default;
        var slash = text?.IndexOf('/') ?? -1;
        if (text is null || slash <= 0 || !TryParse(text[..slash], out var address)
            || !int.TryParse(text.AsSpan(slash + 1).Trim(), System.Globalization.NumberStyles.None, null, out var prefix))
            return false;
        var maxPrefix = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128;
        if (prefix > maxPrefix)
            return false;
        network = new IPNetwork(address, prefix);
        return network.BaseAddress.Equals(address);
    }
}
