using System.Net;
using System.Net.Sockets;

namespace AdminPortal.Core.Features.Dispatch;

/// <summary>Where the dispatcher may send alerts (<c>Dispatch:*</c>).</summary>
public sealed class DispatchOptions
{
    public const string Section = "Dispatch";

    /// <summary>Plain http:// playbook URLs; off by default, since a callback URL carries a key.</summary>
    public bool AllowHttp { get; set; }

    /// <summary>
    /// CIDR ranges that are not public but may be reached anyway, e.g. <c>127.0.0.1/32</c> for a Node-RED on the
    /// same host. Everything else that is not a public address is refused.
    /// </summary>
    public List<string> AllowedNetworks { get; set; } = [];

    /// <summary>Off: no deliveries are sent by this instance (another instance, or none, sends them).</summary>
    public bool Enabled { get; set; } = true;
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);
    /// <summary>Whole attempt: connect, send, response headers and the first 4 KB of the body.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(15);
    /// <summary>Delay before each attempt: the first at once, then after each failure the next entry; past the last, dead-lettered.</summary>
    public List<TimeSpan> Schedule { get; set; } = [];
    /// <summary>Each delay is varied by up to this fraction either way, so retries of many deliveries do not arrive together.</summary>
    public double Jitter { get; set; } = 0.2;
    /// <summary>Deliveries in flight at once on this instance.</summary>
    public int MaxConcurrency { get; set; } = 64;
    /// <summary>Deliveries in flight at once to one playbook: one that hangs holds at most this many slots.</summary>
    public int PerPlaybookConcurrency { get; set; } = 8;
    /// <summary>How often due rows are looked for without a wake-up (retries, other instances' alerts).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);
    /// <summary>A claimed delivery belongs to this instance this long; after it, another instance may take it over.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(1);
    /// <summary>A playbook with failures and no success for this long is disabled.</summary>
    public TimeSpan DisableAfterNoSuccess { get; set; } = TimeSpan.FromDays(5);
    /// <summary>Attempt rows older than this are deleted by the cleanup job.</summary>
    public TimeSpan AttemptRetention { get; set; } = TimeSpan.FromDays(30);
    /// <summary>
    /// <c>/healthz</c> reports Degraded when the oldest due delivery (of an enabled playbook) has waited longer than
    /// this: the dispatchers are stopped, disabled everywhere, or cannot keep up.
    /// </summary>
    public TimeSpan StuckAfter { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The retry schedule of DESIGN §5 unless configured.</summary>
    public IReadOnlyList<TimeSpan> EffectiveSchedule() => Schedule.Count > 0 ? Schedule :
    [
        TimeSpan.Zero, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30),
        TimeSpan.FromHours(2), TimeSpan.FromHours(5), TimeSpan.FromHours(10), TimeSpan.FromHours(10),
    ];

    public IReadOnlyList<IPNetwork> ParsedAllowedNetworks() =>
        AllowedNetworks.Select(n => IpAddresses.TryParseNetwork(n, out var network) ? network : (IPNetwork?)null).OfType<IPNetwork>().ToList();
}

/// <summary>Which addresses the dispatcher may connect to: public ones, and the ranges an operator allowed.</summary>
public static class NetworkRules
{
    private static readonly IPNetwork[] NonPublic =
    [
        .. new[]
        {
            "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
            "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
            "::/128", "::1/128", "64:ff9b::/96", "100::/64", "2001:db8::/32", "fc00::/7", "fe80::/10", "ff00::/8",
        }.Select(IPNetwork.Parse),
    ];

    /// <summary>
    /// Why <paramref name="address"/> may not be reached, or null when it may. IPv4-mapped IPv6 forms are judged
    /// as the IPv4 address they carry; cloud metadata addresses fall in the link-local, CGNAT or unique-local ranges.
    /// </summary>
    public static string? Refusal(IPAddress address, IReadOnlyList<IPNetwork> allowed)
    {
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        if (allowed.Any(n => n.BaseAddress.AddressFamily == address.AddressFamily && n.Contains(address)))
            return null;
        var range = NonPublic.FirstOrDefault(n => n.BaseAddress.AddressFamily == address.AddressFamily && n.Contains(address));
        if (range != default)
            return $"{address} is in the non-public range {range}; add it to Dispatch:AllowedNetworks to allow it.";
        return address.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6 ? null : $"{address} is not an IP address.";
    }
}
