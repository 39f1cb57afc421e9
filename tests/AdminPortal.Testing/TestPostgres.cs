using Npgsql;

namespace AdminPortal.Testing;

/// <summary>
/// The throwaway PostgreSQL server that the test command (./test.sh) starts. Each test gets a
/// database of its own on it, dropped afterwards.
/// </summary>
public sealed class TestPostgres : IAsyncDisposable
{
    public const string Variable = "ADMINPORTAL_TEST_POSTGRES";
    private readonly string _serverConnectionString;

    private TestPostgres(string serverConnectionString, string databaseName)
    {
        _serverConnectionString = serverConnectionString;
        DatabaseName = databaseName;
        ConnectionString = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = databaseName, Pooling = false }.ConnectionString;
    }

    public string DatabaseName { get; }
    public string ConnectionString { get; }

    public static async Task<TestPostgres> CreateDatabaseAsync()
    {
        var server = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(server))
            throw new InvalidOperationException($"{Variable} is not set: run the tests with ./test.sh, which starts a throwaway PostgreSQL server.");
        var name = "adminportal_test_" + Guid.NewGuid().ToString("N")[..12];
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
        return new TestPostgres(server, name);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_serverConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{DatabaseName}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
