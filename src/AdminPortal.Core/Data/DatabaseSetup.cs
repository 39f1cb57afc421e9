using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AdminPortal.Core.Data;

public static class DatabaseSetup
{
    public const string SqliteMigrationsAssembly = "AdminPortal.Migrations.Sqlite";
    public const string SqlServerMigrationsAssembly = "AdminPortal.Migrations.SqlServer";
    public const string PostgreSqlMigrationsAssembly = "AdminPortal.Migrations.PostgreSql";

    /// <summary>Registers the DbContext factory for the configured provider.</summary>
    public static IHostApplicationBuilder AddPortalDatabase(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<DatabaseOptions>, DatabaseOptionsValidator>();

        var contentRoot = builder.Environment.ContentRootPath;
        builder.Services.AddDbContextFactory<PortalDbContext>((services, options) =>
            Configure(options, services.GetRequiredService<IOptions<DatabaseOptions>>().Value, contentRoot));
        builder.Services.AddScoped(services => services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContext());
        builder.Services.AddSingleton<DatabaseMigrator>();
        return builder;
    }

    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder options, DatabaseOptions settings, string contentRoot)
    {
        // A failed connection or command surfaces as an exception to whoever asked, and is logged
        // there with its context; logging it here too turns one clear start-up message into a wall.
        options.ConfigureWarnings(warnings => warnings.Log(
            (RelationalEventId.ConnectionError, LogLevel.Debug),
            (RelationalEventId.CommandError, LogLevel.Debug)));
        switch (settings.ParsedProvider)
        {
            case DatabaseProvider.SqlServer:
                options.UseSqlServer(settings.ConnectionString, sql => sql.MigrationsAssembly(SqlServerMigrationsAssembly).EnableRetryOnFailure());
                break;
            case DatabaseProvider.PostgreSql:
                options.UseNpgsql(settings.ConnectionString, npgsql => npgsql.MigrationsAssembly(PostgreSqlMigrationsAssembly));
                break;
            default:
                options.UseSqlite(SqliteConnectionString(settings, contentRoot), sqlite => sqlite.MigrationsAssembly(SqliteMigrationsAssembly));
                options.AddInterceptors(new SqlitePragmas(settings.SqliteBusyTimeoutMs));
                break;
        }
        return options;
    }

    /// <summary>The configured string, or <c>data/adminportal.db</c> under the content root (the folder is created).</summary>
    public static string SqliteConnectionString(DatabaseOptions settings, string contentRoot)
    {
        var builder = new SqliteConnectionStringBuilder(settings.ConnectionString);
        if (string.IsNullOrWhiteSpace(builder.DataSource))
            builder.DataSource = Path.Combine("data", "adminportal.db");
        if (builder.DataSource != ":memory:" && builder.Mode != SqliteOpenMode.Memory)
        {
            builder.DataSource = Path.GetFullPath(builder.DataSource, contentRoot);
            var folder = Path.GetDirectoryName(builder.DataSource)!;
            // The database holds the Data Protection keys: only the portal's own account may read it.
            if (OperatingSystem.IsWindows())
                Directory.CreateDirectory(folder);
            else if (!Directory.Exists(folder))
                Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        return builder.ToString();
    }

    /// <summary>For the design-time factories of the migrations projects.</summary>
    public static PortalDbContext CreateForDesignTime(DatabaseProvider provider, string[] args)
    {
        var configuration = new ConfigurationBuilder().AddCommandLine(args).Build();
        var settings = new DatabaseOptions
        {
            Provider = provider.ToString(),
            ConnectionString = configuration["Database:ConnectionString"] ?? provider switch
            {
                // Adding a migration never connects; these only satisfy the providers.
                DatabaseProvider.SqlServer => "Server=localhost;Database=AdminPortal;Trusted_Connection=True;TrustServerCertificate=True",
                DatabaseProvider.PostgreSql => "Host=localhost;Database=adminportal;Username=adminportal",
                _ => "Data Source=design-time.db",
            },
        };
        var options = new DbContextOptionsBuilder<PortalDbContext>();
        Configure(options, settings, Directory.GetCurrentDirectory());
        return new PortalDbContext(options.Options);
    }
}
