using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;

namespace AdminPortal.Testing;

/// <summary>
/// Every log line the portal writes, at every level, with its exception, scopes and structured values: for tests
/// that a secret never reaches the logs.
/// </summary>
public sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public ConcurrentQueue<LogEntry> Entries { get; } = new();

    /// <summary>Each entry as one text: level, category, message, exception, values and scopes.</summary>
    public IReadOnlyList<string> Messages => Entries.Select(e => e.ToString()).ToList();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose() { }

    public sealed record LogEntry(string Category, LogLevel Level, string Text)
    {
        public override string ToString() => $"[{Level}] {Category}: {Text}";
    }

    private sealed class Logger(CapturingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => provider._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var text = new StringBuilder(formatter(state, exception));
            if (exception is not null)
                text.AppendLine().Append(exception);
            if (state is IEnumerable<KeyValuePair<string, object?>> values)
            {
                foreach (var (key, value) in values)
                    text.Append(" | ").Append(key).Append('=').Append(value);
            }
            provider._scopes.ForEachScope((scope, builder) => builder.Append(" | scope: ").Append(scope), text);
            provider.Entries.Enqueue(new LogEntry(category, logLevel, text.ToString()));
        }
    }
}
