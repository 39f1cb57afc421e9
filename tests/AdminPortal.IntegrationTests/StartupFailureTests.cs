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

    [Fact]
    public async Task UnreachableDatabase_WithoutMigrateOnStartup_StillStopsTheStart()
    {
        var result = await RunPortal("--Database:MigrateOnStartup=false", "--Database:Provider=PostgreSql",
            "--Database:ConnectionString=Host=127.0.0.1;Port=1;Username=x;Password=y;Timeout=3");

        AssertOneClearLine(result, "Database unreachable");
    }

    [Theory]
    [InlineData("AzureAd:TenantId", "--AzureAd:ClientId=9b8a7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d", "--AzureAd:Instance=https://login.microsoftonline.com/")]
    [InlineData("AzureAd:Instance", "--AzureAd:ClientId=9b8a7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d", "--AzureAd:TenantId=contoso.onmicrosoft.com")]
    [InlineData("AzureAd:ClientSecret", "--AzureAd:ClientId=9b8a7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d", "--AzureAd:TenantId=contoso.onmicrosoft.com", "--AzureAd:Instance=https://login.microsoftonline.com/")]
    public async Task HalfConfiguredEntraId_ExitsNamingTheMissingSetting(string missing, params string[] settings)
    {
        var result = await RunPortal([SqliteSetting, .. settings]);

        AssertOneClearLine(result, missing);
    }

    [Theory]
    [InlineData("--LocalMode:AdminUpn=not an upn", "LocalMode:AdminUpn")]
    [InlineData("--Portal:BaseUrl=notaurl", "BaseUrl")]
    [InlineData("--ForwardedHeaders:KnownProxies:0=proxy.example", "ForwardedHeaders:KnownProxies")]
    [InlineData("--Dispatch:AllowedNetworks:0=10.1.2.3/8", "Dispatch:AllowedNetworks")]
    [InlineData("--Dispatch:LeaseDuration=00:00:05", "Dispatch:LeaseDuration")]
    [InlineData("--Metrics:Access=Sometimes", "Metrics:Access")]
    public async Task InvalidPortalSetting_ExitsNamingIt(string setting, string named)
    {
        var result = await RunPortal(SqliteSetting, setting);

        AssertOneClearLine(result, named);
    }

    [Theory]
    [InlineData("Email:From", "--Email:Host=smtp.contoso.com")]
    [InlineData("Email:From", "--Email:Host=smtp.contoso.com", "--Email:From=not an address")]
    [InlineData("Email:Password", "--Email:Host=smtp.contoso.com", "--Email:From=alerts@contoso.com", "--Email:UserName=alerts@contoso.com")]
    [InlineData("Email:Port", "--Email:Host=smtp.contoso.com", "--Email:From=alerts@contoso.com", "--Email:Port=0")]
    public async Task HalfConfiguredEmail_ExitsNamingTheSetting(string named, params string[] settings)
    {
        var result = await RunPortal([SqliteSetting, .. settings]);

        AssertOneClearLine(result, named);
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
