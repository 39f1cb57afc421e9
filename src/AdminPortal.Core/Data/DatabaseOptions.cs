using System.Data.Common;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Npgsql;

namespace AdminPortal.Core.Data;

/// <summary>The <c>Database</c> configuration section.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary><c>Sqlite</c> (default), <c>SqlServer</c> or <c>PostgreSql</c>.</summary>
    public string Provider { get; set; } = nameof(DatabaseProvider.Sqlite);
    /// <summary>Empty with SQLite means <c>data/adminportal.db</c> under the content root.</summary>
    public string? ConnectionString { get; set; }
    public bool MigrateOnStartup { get; set; } = true;
    /// <summary>How long SQLite waits for another writer before failing.</summary>
    public int SqliteBusyTimeoutMs { get; set; } = 5000;

    public DatabaseProvider ParsedProvider =>
        EnumNames.TryParse<DatabaseProvider>(Provider, out var provider)
            ? provider
            : throw new InvalidOperationException($"Unknown Database:Provider '{Provider}'.");
}

public enum DatabaseProvider { Sqlite, SqlServer, PostgreSql }

/// <summary>Checks the settings before anything connects, so a typo is named instead of failing later.</summary>
public sealed class DatabaseOptionsValidator : IValidateOptions<DatabaseOptions>
{
    public ValidateOptionsResult Validate(string? name, DatabaseOptions options)
    {
        if (!EnumNames.TryParse<DatabaseProvider>(options.Provider, out var provider))
        {
            return ValidateOptionsResult.Fail(
                $"Database:Provider '{options.Provider}' is not supported; use Sqlite, SqlServer or PostgreSql.");
        }

        if (options.SqliteBusyTimeoutMs < 0)
            return ValidateOptionsResult.Fail("Database:SqliteBusyTimeoutMs must not be negative.");

        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return provider == DatabaseProvider.Sqlite
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail($"Database:ConnectionString is required when Database:Provider is {provider}.");
        }

        try
        {
            DbConnectionStringBuilder builder = provider switch
            {
                DatabaseProvider.Sqlite => new SqliteConnectionStringBuilder(options.ConnectionString),
                DatabaseProvider.SqlServer => new SqlConnectionStringBuilder(options.ConnectionString),
                _ => new NpgsqlConnectionStringBuilder(options.ConnectionString),
            };
        }
        catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException)
        {
            // Not the driver's message: it quotes the offending text, which can be a password.
            return ValidateOptionsResult.Fail(
                $"Database:ConnectionString is malformed for {provider}: an unknown keyword or an invalid value (expected keyword=value pairs separated by ';').");
        }

        return ValidateOptionsResult.Success;
    }
}
