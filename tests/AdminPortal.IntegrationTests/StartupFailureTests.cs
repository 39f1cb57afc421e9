using AdminPortal.Testing;
using Microsoft.Data.Sqlite;

namespace AdminPortal.IntegrationTests;

/// <summary>
/// The real executable with bad settings: it must exit non-zero with one clear line naming the
/// setting or the migration, with no stack trace and without listening.
/// </summary>
public sealed class StartupFailureTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("adminportal-startup-");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _directory.Delete(recursive: true);
    }

    private string SqliteSetting => $"--Database:ConnectionString=Data Source={Path.Combine(_directory.FullName, "portal.db")}";

    private Task<PortalProcess.Result> RunPortal(params string[] args) =>
        PortalProcess.RunAsync(_directory.FullName, ["--urls", "http://127.0.0.1:0", .. args]);

    private static void AssertOneClearLine(PortalProcess.Result result, string expected)
    {
        Assert.NotEqual(0, result.ExitCode);
        var critical = result.AllOutput.Split('\n').Where(l => l.StartsWith("crit:") || l.StartsWith("fail:")).ToList();
        var line = Assert.Single(critical);
        Assert.Contains(expected, line);
        Assert.DoesNotContain("   at ", result.AllOutput);
        Assert.DoesNotContain("Now listening", result.AllOutput);
    }

    [Fact]
    public async Task UnknownProvider_ExitsWithTheSettingNamed()
    {
        var result = await RunPortal("--Database:Provider=Oracle");

        AssertOneClearLine(result, "Database:Provider 'Oracle' is not supported");
    }

    [Fact]
    public async Task MalformedConnectionString_ExitsWithTheSettingNamed()
    {
        var result = await RunPortal("--Database:Provider=PostgreSql", "--Database:ConnectionString=Host=127.0.0.1;Password=hunter2;Colour=blue");

        AssertOneClearLine(result, "Database:ConnectionString is malformed for PostgreSql");
        Assert.DoesNotContain("hunter2", result.AllOutput);
    }

    [Fact]
    public async Task UnreachableDatabase_ExitsSayingSo()
    {
        // Port 1 on loopback: nothing listens there, the connection is refused at once.
        var result = await RunPortal("--Database:Provider=PostgreSql", "--Database:ConnectionString=Host=127.0.0.1;Port=1;Username=x;Password=y;Timeout=3");

        AssertOneClearLine(result, "Database unreachable");
    }

    [Fact]
    public async Task FailingMigration_ExitsNamingTheMigration()
    {
        // A table already in the way makes InitialCreate fail half-way.
        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(_directory.FullName, "portal.db")}"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE Users (Id INTEGER PRIMARY KEY)";
            await command.ExecuteNonQueryAsync();
        }

        var result = await RunPortal(SqliteSetting);

        AssertOneClearLine(result, "_InitialCreate failed");
    }

    [Theory]
    [InlineData("http://0.0.0.0:0")]
    [InlineData("http://*:0")]
    [InlineData("http://192.0.2.10:5080")]
    public async Task LocalMode_RefusesANonLoopbackAddress(string url)
    {
        var result = await PortalProcess.RunAsync(_directory.FullName, "--urls", url, SqliteSetting);

        AssertOneClearLine(result, "LocalMode:AllowRemote");
    }
}
