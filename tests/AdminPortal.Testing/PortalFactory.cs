using AdminPortal.Core.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace AdminPortal.Testing;

/// <summary>
/// The real portal on a fresh SQLite file of its own (or the PostgreSQL the test command started),
/// with settings and the clock under the test's control.
/// </summary>
public class PortalFactory : WebApplicationFactory<Program>
{
    private readonly string _directory = Directory.CreateTempSubdirectory("adminportal-test-").FullName;

    public PortalFactory()
    {
        Settings["Database:Provider"] = "Sqlite";
        Settings["Database:ConnectionString"] = $"Data Source={DatabasePath}";
    }

    public string DatabasePath => Path.Combine(_directory, "adminportal.db");
    public Dictionary<string, string?> Settings { get; } = new();
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 27, 9, 0, 0, TimeSpan.Zero));
    /// <summary>The system clock instead of <see cref="Time"/>: a real browser drops cookies that expire in its past.</summary>
    public bool UseSystemClock { get; set; }
    /// <summary>Test-only service changes (e.g. a stand-in for Entra ID's discovery document).</summary>
    public Action<IServiceCollection>? ConfigureServices { get; set; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        foreach (var (key, value) in Settings)
            builder.UseSetting(key, value);
        builder.ConfigureTestServices(services =>
        {
            if (!UseSystemClock)
            {
                services.RemoveAll<TimeProvider>();
                services.AddSingleton<TimeProvider>(Time);
            }
            ConfigureServices?.Invoke(services);
        });
    }

    public PortalDbContext CreateDbContext() =>
        Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContext();

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(_directory, recursive: true); } catch (IOException) { } // best effort: a temp folder
        }
    }
}
