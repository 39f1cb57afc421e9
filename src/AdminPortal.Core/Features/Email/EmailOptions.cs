namespace AdminPortal.Core.Features.Email;

/// <summary>The SMTP server alert e-mail goes through (<c>Email:*</c>). Without <see cref="Host"/> nothing is sent or queued.</summary>
public sealed class EmailOptions
{
    public const string Section = "Email";

    public string? Host { get; set; }
    public int Port { get; set; } = 587;
    /// <summary>Upgrade the connection with STARTTLS and refuse a server that does not offer it (port 587).</summary>
    public bool UseStartTls { get; set; } = true;
    /// <summary>TLS from the first byte (port 465). Takes precedence over <see cref="UseStartTls"/>.</summary>
    public bool UseSsl { get; set; }
    /// <summary>Sign in to the server when set; with <see cref="Password"/> (from the environment or a secret store, never logged).</summary>
    public string? UserName { get; set; }
    public string? Password { get; set; }
    /// <summary>The sender address, e.g. <c>AdminPortal &lt;alerts@contoso.com&gt;</c>.</summary>
    public string? From { get; set; }

    /// <summary>Alert e-mails one address receives per UTC day at most; MCAS documents 500. Past it, one summary e-mail.</summary>
    public int DailyLimitPerRecipient { get; set; } = 500;
    /// <summary>Off: this instance queues but does not send (another instance does).</summary>
    public bool SenderEnabled { get; set; } = true;
    /// <summary>Connect, sign in and each message's exchange, each at most this long.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>How often due messages are looked for without a wake-up (retries, other instances' alerts).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);
    /// <summary>Messages claimed and sent over one connection per pass.</summary>
    public int BatchSize { get; set; } = 20;
    /// <summary>A claimed message belongs to this instance this long; after it, another instance may take it over.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(15);
    /// <summary>Delay before each attempt after a temporary failure (SMTP 4xx, connection); past the last, the message has failed.</summary>
    public List<TimeSpan> Schedule { get; set; } = [];
    /// <summary><c>/healthz</c> reports Degraded when an alert e-mail queued longer ago than this is still unsent.</summary>
    public TimeSpan StuckAfter { get; set; } = TimeSpan.FromMinutes(30);

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Host);

    public IReadOnlyList<TimeSpan> EffectiveSchedule() => Schedule.Count > 0 ? Schedule :
    [
        TimeSpan.Zero, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15),
        TimeSpan.FromHours(1), TimeSpan.FromHours(3), TimeSpan.FromHours(6),
    ];

    /// <summary>Why the settings cannot work, or null; checked at start so a typo stops the portal with one line.</summary>
    public string? Problem()
    {
        if (!IsConfigured)
            return null;
        if (Port is < 1 or > 65535)
            return "Email:Port must be from 1 to 65535.";
        // MimeKit alone accepts a bare word as a local mailbox; a sender on the internet needs a full address.
        if (string.IsNullOrWhiteSpace(From) || !MimeKit.MailboxAddress.TryParse(From, out var sender)
            || !sender.Address.Contains('@') || !Policies.PolicyAlertSettingsValidator.IsEmailAddress(sender.Address))
            return "Email:From must be the sender's address, such as alerts@contoso.com or \"AdminPortal <alerts@contoso.com>\".";
        if (!string.IsNullOrEmpty(UserName) && string.IsNullOrEmpty(Password))
            return "Email:UserName is set but Email:Password is not; set both, or neither for a server that needs no sign-in.";
        if (DailyLimitPerRecipient < 1)
            return "Email:DailyLimitPerRecipient must be at least 1.";
        if (Timeout <= TimeSpan.Zero || PollInterval <= TimeSpan.Zero || StuckAfter <= TimeSpan.Zero || BatchSize < 1 || Schedule.Any(d => d < TimeSpan.Zero))
            return "Email:Timeout, Email:PollInterval and Email:StuckAfter must be positive, Email:BatchSize at least 1, and Email:Schedule delays not negative.";
        // A lease shorter than a pass would let another instance send the same message while this one still works on it.
        if (LeaseDuration <= Timeout * (BatchSize + 3))
            return "Email:LeaseDuration must be longer than Email:Timeout × (Email:BatchSize + 3).";
        return null;
    }

    /// <summary>The sender as a mailbox; only valid when <see cref="Problem"/> is null.</summary>
    public MimeKit.MailboxAddress Sender() => MimeKit.MailboxAddress.Parse(From ?? "");
}
