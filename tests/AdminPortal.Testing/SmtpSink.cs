using System.Net;
using System.Net.Sockets;
using System.Text;
using MimeKit;

namespace AdminPortal.Testing;

/// <summary>One message the sink accepted: the SMTP envelope plus the raw (dot-unstuffed) DATA bytes.</summary>
public sealed record ReceivedMail(string MailFrom, IReadOnlyList<string> Recipients, byte[] Data, DateTimeOffset ReceivedAt)
{
    public MimeMessage Parse() => MimeMessage.Load(new MemoryStream(Data, writable: false));
}

/// <summary>
/// A real SMTP server on a free 127.0.0.1 port, for tests of code that sends mail over the wire.
/// It speaks the ESMTP subset MailKit needs (no TLS, no PIPELINING, no CHUNKING), records what it received,
/// and lets a test script failures (RCPT/DATA replies, dropped connections).
/// </summary>
public sealed class SmtpSink : IAsyncDisposable
{
    private const int MaxLineBytes = 1024 * 1024; // guards against a runaway client; RFC 5321 lines are far shorter

    private readonly TcpListener _listener;
    private readonly string? _userName, _password;
    private readonly CancellationTokenSource _stop = new();
    private readonly object _gate = new();
    private readonly List<ReceivedMail> _messages = [];
    private readonly List<string> _transcript = [];
    private readonly Dictionary<string, int> _rcptAttempts = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<TcpClient> _clients = [];
    private readonly List<Task> _connectionTasks = [];
    private readonly Task _acceptLoop;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Func<string, int, string?>? _rcptRule;
    private Func<ReceivedMail, int, string?>? _dataRule;
    private volatile bool _dropAfterGreeting;
    private int _connections, _dataCount;
    private bool _disposed;

    private SmtpSink(string? userName, string? password)
    {
        (_userName, _password) = (userName, password);
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>Starts listening; with a user name and password the sink advertises AUTH and requires it before MAIL.</summary>
    public static SmtpSink Start(string? userName = null, string? password = null) => new(userName, password);

    public string Host => "127.0.0.1";
    public int Port { get; }
    public int Connections => Volatile.Read(ref _connections);
    private bool RequiresAuth => _userName is not null;

    public IReadOnlyList<ReceivedMail> Messages { get { lock (_gate) return _messages.ToArray(); } }

    /// <summary>Every line the client sent outside DATA, AUTH payloads included verbatim.</summary>
    public IReadOnlyList<string> Transcript { get { lock (_gate) return _transcript.ToArray(); } }

    /// <summary>Rule gets (recipient, 1-based attempt for that recipient); null accepts, else the full reply line.</summary>
    public void RespondToRcpt(Func<string, int, string?> rule) => Volatile.Write(ref _rcptRule, rule);

    /// <summary>Rule gets (message, 1-based DATA count overall); a non-null reply is sent and the message is not stored.</summary>
    public void RespondToData(Func<ReceivedMail, int, string?> rule) => Volatile.Write(ref _dataRule, rule);

    /// <summary>Sends the 220 greeting and then closes the connection, like a server that falls over.</summary>
    public void DropConnectionsAfterGreeting(bool drop) => _dropAfterGreeting = drop;

    public async Task<IReadOnlyList<ReceivedMail>> WaitForMessagesAsync(int count, TimeSpan timeout)
    {
        await WaitForAsync(s => s.Messages.Count >= count, timeout, () => $"Expected {count} message(s) within {timeout}; {Describe()}");
        return Messages;
    }

    public Task WaitForAsync(Func<SmtpSink, bool> condition, TimeSpan timeout) =>
        WaitForAsync(condition, timeout, () => $"Condition not met within {timeout}; {Describe()}");

    private async Task WaitForAsync(Func<SmtpSink, bool> condition, TimeSpan timeout, Func<string> failure)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            // Take the signal before checking, so a change between the check and the await is not missed.
            Task changed;
            lock (_gate) changed = _changed.Task;
            if (condition(this))
                return;
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
                throw new TimeoutException(failure());
            try { await changed.WaitAsync(left); }
            catch (TimeoutException) { if (!condition(this)) throw new TimeoutException(failure()); return; }
        }
    }

    private string Describe()
    {
        var messages = Messages;
        var received = messages.Count == 0 ? "none" : string.Join("; ", messages.Select(m => $"<{m.MailFrom}> -> {string.Join(", ", m.Recipients)} ({m.Data.Length} bytes)"));
        return $"received {messages.Count} message(s): {received}. Connections: {Connections}. Last commands: {string.Join(" | ", Transcript.TakeLast(20))}";
    }

    private void Changed()
    {
        TaskCompletionSource previous;
        lock (_gate) (previous, _changed) = (_changed, new(TaskCreationOptions.RunContinuationsAsynchronously));
        previous.TrySetResult();
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException) { return; }
            lock (_gate)
            {
                if (_disposed) { client.Dispose(); return; }
                Interlocked.Increment(ref _connections); // counted before the session can reply, so tests never see a reply from an uncounted connection
                _clients.Add(client);
                _connectionTasks.Add(Task.Run(() => HandleAsync(client)));
            }
            Changed();
        }
    }

    private async Task HandleAsync(TcpClient client)
    {
        try
        {
            await using var stream = client.GetStream();
            await new Session(this, stream).RunAsync(_stop.Token);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The client hung up or the sink is stopping: nothing to report.
        }
        finally
        {
            lock (_gate) _clients.Remove(client);
            client.Dispose();
            Changed();
        }
    }

    public async ValueTask DisposeAsync()
    {
        TcpClient[] open;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            open = [.. _clients];
        }
        _stop.Cancel();
        _listener.Stop();
        foreach (var client in open)
            client.Dispose(); // unblocks reads that ignore the token
        await _acceptLoop;
        Task[] tasks;
        lock (_gate) tasks = [.. _connectionTasks];
        await Task.WhenAll(tasks);
        _stop.Dispose();
    }

    /// <summary>The state of one SMTP connection.</summary>
    private sealed class Session(SmtpSink sink, NetworkStream stream)
    {
        private readonly byte[] _buffer = new byte[8192];
        private int _start, _end;
        private bool _authenticated;
        private string? _mailFrom;
        private readonly List<string> _recipients = [];

        public async Task RunAsync(CancellationToken ct)
        {
            await ReplyAsync("220 127.0.0.1 SmtpSink ESMTP ready", ct);
            if (sink._dropAfterGreeting)
                return;
            while (await ReadLineAsync(ct) is { } raw)
            {
                var line = Encoding.UTF8.GetString(raw);
                lock (sink._gate) sink._transcript.Add(line);
                var space = line.IndexOf(' ');
                var verb = (space < 0 ? line : line[..space]).ToUpperInvariant();
                var argument = space < 0 ? "" : line[(space + 1)..].Trim();
                switch (verb)
                {
                    case "EHLO":
                        Reset();
                        var lines = new List<string> { "127.0.0.1 greets " + argument, "8BITMIME", "SIZE" };
                        if (sink.RequiresAuth) lines.Add("AUTH PLAIN LOGIN");
                        await ReplyAsync(string.Join("\r\n", lines.Select((l, i) => (i == lines.Count - 1 ? "250 " : "250-") + l)), ct);
                        break;
                    case "HELO": Reset(); await ReplyAsync("250 127.0.0.1", ct); break;
                    case "AUTH": await AuthAsync(argument, ct); break;
                    case "MAIL": await MailAsync(argument, ct); break;
                    case "RCPT": await RcptAsync(argument, ct); break;
                    case "DATA": await DataAsync(ct); break;
                    case "RSET": Reset(); await ReplyAsync("250 2.0.0 OK", ct); break;
                    case "NOOP": await ReplyAsync("250 2.0.0 OK", ct); break;
                    case "QUIT": await ReplyAsync("221 2.0.0 Bye", ct); return;
                    case "": await ReplyAsync("500 5.5.2 Syntax error, command unrecognized", ct); break;
                    default: await ReplyAsync("502 5.5.2 Command not implemented", ct); break;
                }
            }
        }

        private void Reset() { _mailFrom = null; _recipients.Clear(); }

        private async Task AuthAsync(string argument, CancellationToken ct)
        {
            if (!sink.RequiresAuth) { await ReplyAsync("502 5.5.1 AUTH not supported", ct); return; }
            if (_authenticated) { await ReplyAsync("503 5.5.1 Already authenticated", ct); return; }
            var parts = argument.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
            var mechanism = parts.Length > 0 ? parts[0].ToUpperInvariant() : "";
            var initial = parts.Length > 1 ? parts[1] : null;
            string? user, password;
            if (mechanism == "PLAIN")
            {
                // authzid NUL authcid NUL passwd; "=" is an empty initial response (RFC 4954).
                var response = initial ?? await ChallengeAsync("", ct);
                if (response is null) return;
                if (Decode(response == "=" ? "" : response)?.Split('\0') is not [_, var plainUser, var plainPassword])
                {
                    await ReplyAsync("501 5.5.2 Malformed AUTH PLAIN response", ct);
                    return;
                }
                (user, password) = (plainUser, plainPassword);
            }
            else if (mechanism == "LOGIN")
            {
                var userResponse = initial ?? await ChallengeAsync("VXNlcm5hbWU6", ct); // "Username:"
                if (userResponse is null) return;
                var passwordResponse = await ChallengeAsync("UGFzc3dvcmQ6", ct); // "Password:"
                if (passwordResponse is null) return;
                (user, password) = (Decode(userResponse), Decode(passwordResponse));
                if (user is null || password is null) { await ReplyAsync("501 5.5.2 Malformed base64", ct); return; }
            }
            else { await ReplyAsync("504 5.5.4 Unrecognized authentication mechanism", ct); return; }

            _authenticated = user == sink._userName && password == sink._password;
            await ReplyAsync(_authenticated ? "235 2.7.0 Authentication successful" : "535 5.7.8 Authentication credentials invalid", ct);
        }

        /// <summary>Sends a 334 challenge and returns the client's line, or null after answering a cancel ("*") or hang-up.</summary>
        private async Task<string?> ChallengeAsync(string challenge, CancellationToken ct)
        {
            await ReplyAsync("334 " + challenge, ct);
            if (await ReadLineAsync(ct) is not { } raw)
                throw new IOException("Client closed the connection during AUTH.");
            var line = Encoding.UTF8.GetString(raw);
            lock (sink._gate) sink._transcript.Add(line);
            if (line.Trim() != "*")
                return line.Trim();
            await ReplyAsync("501 5.0.0 Authentication cancelled", ct);
            return null;
        }

        private static string? Decode(string base64)
        {
            try { return Encoding.UTF8.GetString(Convert.FromBase64String(base64)); }
            catch (FormatException) { return null; }
        }

        private async Task MailAsync(string argument, CancellationToken ct)
        {
            if (sink.RequiresAuth && !_authenticated) await ReplyAsync("530 5.7.0 Authentication required", ct);
            else if (_mailFrom is not null) await ReplyAsync("503 5.5.1 Nested MAIL command", ct);
            else if (Address(argument, "FROM:") is not { } from) await ReplyAsync("501 5.5.4 Syntax: MAIL FROM:<address>", ct);
            else { _mailFrom = from; await ReplyAsync("250 2.1.0 OK", ct); }
        }

        private async Task RcptAsync(string argument, CancellationToken ct)
        {
            if (_mailFrom is null) { await ReplyAsync("503 5.5.1 Need MAIL before RCPT", ct); return; }
            if (Address(argument, "TO:") is not { } to) { await ReplyAsync("501 5.5.4 Syntax: RCPT TO:<address>", ct); return; }
            int attempt;
            lock (sink._gate) attempt = sink._rcptAttempts[to] = sink._rcptAttempts.GetValueOrDefault(to) + 1;
            var reply = Volatile.Read(ref sink._rcptRule)?.Invoke(to, attempt);
            if (reply is null) _recipients.Add(to);
            await ReplyAsync(reply ?? "250 2.1.5 OK", ct);
        }

        /// <summary>The address between the angle brackets after FROM:/TO:, ignoring ESMTP parameters such as BODY=8BITMIME.</summary>
        private static string? Address(string argument, string prefix)
        {
            if (!argument.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) return null;
            var rest = argument[prefix.Length..].TrimStart();
            var close = rest.IndexOf('>');
            return rest.StartsWith('<') && close > 0 ? rest[1..close] : null;
        }

        private async Task DataAsync(CancellationToken ct)
        {
            if (_mailFrom is null) { await ReplyAsync("503 5.5.1 Need MAIL before DATA", ct); return; }
            if (_recipients.Count == 0) { await ReplyAsync("554 5.5.1 No valid recipients", ct); return; }
            await ReplyAsync("354 Start mail input; end with <CRLF>.<CRLF>", ct);
            var data = new MemoryStream();
            while (true)
            {
                var line = await ReadLineAsync(ct) ?? throw new IOException("Client closed the connection during DATA.");
                if (line is [(byte)'.']) break;
                var unstuffed = line is [(byte)'.', ..] ? line.AsSpan(1) : line; // RFC 5321 4.5.2 transparency
                data.Write(unstuffed);
                data.Write("\r\n"u8);
            }
            var mail = new ReceivedMail(_mailFrom, _recipients.ToArray(), data.ToArray(), DateTimeOffset.UtcNow);
            Reset();
            var reply = Volatile.Read(ref sink._dataRule)?.Invoke(mail, Interlocked.Increment(ref sink._dataCount));
            if (reply is null)
            {
                lock (sink._gate) sink._messages.Add(mail);
                sink.Changed();
            }
            await ReplyAsync(reply ?? "250 2.0.0 OK queued", ct);
        }

        private async Task ReplyAsync(string reply, CancellationToken ct)
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(reply + "\r\n"), ct);
            await stream.FlushAsync(ct);
            sink.Changed();
        }

        /// <summary>Next line without its terminator (CRLF or a bare LF), or null at end of stream.</summary>
        private async Task<byte[]?> ReadLineAsync(CancellationToken ct)
        {
            var line = new MemoryStream();
            while (true)
            {
                var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                if (newline >= 0)
                {
                    line.Write(_buffer, _start, newline - _start);
                    _start = newline + 1;
                    var bytes = line.ToArray();
                    return bytes is [.., (byte)'\r'] ? bytes[..^1] : bytes;
                }
                line.Write(_buffer, _start, _end - _start);
                if (line.Length > MaxLineBytes) throw new IOException("Line too long.");
                (_start, _end) = (0, await stream.ReadAsync(_buffer, ct));
                if (_end == 0) return line.Length == 0 ? null : line.ToArray();
            }
        }
    }
}
