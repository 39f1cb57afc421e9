using AdminPortal.Core.Data;
using Microsoft.Extensions.Options;

namespace AdminPortal.UnitTests.Data;

public sealed class DatabaseOptionsValidatorTests
{
    [Theory]
    [InlineData("MySql")]
    [InlineData("Oracle")]
    [InlineData("Sqlite3")]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("1")]
    [InlineData("2")]
    [InlineData("3")]
    [InlineData("-1")]
    public void Validate_WithAnUnsupportedProvider_FailsNamingDatabaseProvider(string provider)
    {
        var result = Validate(provider, "Data Source=portal.db");

        Assert.True(result.Failed);
        Assert.Contains("Database:Provider", result.FailureMessage);
    }

    [Theory]
    [InlineData("Sqlite", "Data Source=portal.db")]
    [InlineData("sqlite", "Data Source=portal.db")]
    [InlineData("SqlServer", "Server=db.example;Database=AdminPortal;Trusted_Connection=True;TrustServerCertificate=True")]
    [InlineData("SQLSERVER", "Server=db.example;Database=AdminPortal;User Id=portal;Password=secret")]
    [InlineData("PostgreSql", "Host=db.example;Database=adminportal;Username=portal;Password=secret")]
    [InlineData("postgresql", "Host=db.example;Port=5433;Database=adminportal;Username=portal")]
    public void Validate_WithASupportedProviderAndAWellFormedConnectionString_Succeeds(string provider, string connectionString) =>
        Assert.True(Validate(provider, connectionString).Succeeded);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Validate_WithSqliteAndNoConnectionString_Succeeds(string? connectionString) =>
        Assert.True(Validate("Sqlite", connectionString).Succeeded);

    [Theory]
    [InlineData("SqlServer", null)]
    [InlineData("SqlServer", "")]
    [InlineData("SqlServer", "  ")]
    [InlineData("PostgreSql", null)]
    [InlineData("PostgreSql", "")]
    [InlineData("PostgreSql", "  ")]
    public void Validate_WithAServerProviderAndNoConnectionString_FailsNamingDatabaseConnectionString(string provider, string? connectionString)
    {
        var result = Validate(provider, connectionString);

        Assert.True(result.Failed);
        Assert.Contains("Database:ConnectionString", result.FailureMessage);
        Assert.Contains(provider, result.FailureMessage);
    }

    [Theory]
    [InlineData("Sqlite", "Foo=bar")]
    [InlineData("SqlServer", "Foo=bar")]
    [InlineData("PostgreSql", "Foo=bar")]
    [InlineData("Sqlite", "portal.db")]
    [InlineData("SqlServer", "Server=db.example;Encrypt=sometimes")]
    [InlineData("PostgreSql", "Host=db.example;Port=postgres")]
    [InlineData("PostgreSql", "Host=db.example;Password='unterminated")]
    public void Validate_WithAMalformedConnectionString_FailsNamingDatabaseConnectionString(string provider, string connectionString)
    {
        var result = Validate(provider, connectionString);

        Assert.True(result.Failed);
        Assert.Contains("Database:ConnectionString", result.FailureMessage);
        Assert.Contains(provider, result.FailureMessage);
    }

    [Theory]
    [InlineData("Sqlite", "Data Source=portal.db;Password=hunter2;Bogus=1")]
    [InlineData("SqlServer", "Server=db.example;Password=hunter2;Bogus=1")]
    [InlineData("PostgreSql", "Host=x;Password=hunter2;Bogus=1")]
    [InlineData("SqlServer", "Server=db.example;Password=hunter2;Encrypt=hunter3")]
    [InlineData("PostgreSql", "Host=x;Password=hunter2;Port=hunter3")]
    [InlineData("PostgreSql", "Host=x;Password:hunter2;Bogus=1")]
    [InlineData("SqlServer", "Server=db.example;Password:hunter2;Bogus=1")]
    [InlineData("Sqlite", "Data Source=portal.db;Password:hunter2;Bogus=1")]
    public void Validate_WithAMalformedConnectionString_DoesNotRepeatThePassword(string provider, string connectionString)
    {
        var result = Validate(provider, connectionString);

        Assert.True(result.Failed);
        Assert.DoesNotContain("hunter2", result.FailureMessage);
    }

    [Fact]
    public void Validate_WithANegativeSqliteBusyTimeout_FailsNamingTheSetting()
    {
        var result = new DatabaseOptionsValidator().Validate(null, new DatabaseOptions
        {
            Provider = "Sqlite",
            ConnectionString = "Data Source=portal.db",
            SqliteBusyTimeoutMs = -1,
        });

        Assert.True(result.Failed);
        Assert.Contains("Database:SqliteBusyTimeoutMs", result.FailureMessage);
    }

    [Theory]
    [InlineData("Sqlite,SqlServer")]
    [InlineData("SqlServer, PostgreSql")]
    public void Validate_WithACommaListOfProviders_FailsNamingDatabaseProvider(string provider)
    {
        var result = Validate(provider, "Host=x");

        Assert.True(result.Failed);
        Assert.Contains("Database:Provider", result.FailureMessage);
    }

    [Fact]
    public void Validate_WithANegativeBusyTimeoutAndTheDefaultSqliteFile_Fails() =>
        Assert.True(new DatabaseOptionsValidator().Validate(null, new DatabaseOptions { SqliteBusyTimeoutMs = -1 }).Failed);

    [Fact]
    public void Validate_WithTheDefaults_Succeeds() =>
        Assert.True(new DatabaseOptionsValidator().Validate(null, new DatabaseOptions()).Succeeded);

    private static ValidateOptionsResult Validate(string provider, string? connectionString) =>
        new DatabaseOptionsValidator().Validate(null, new DatabaseOptions { Provider = provider, ConnectionString = connectionString });
}
