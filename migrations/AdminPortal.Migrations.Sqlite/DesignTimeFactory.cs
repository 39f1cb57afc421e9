using AdminPortal.Core.Data;
using Microsoft.EntityFrameworkCore.Design;

namespace AdminPortal.Migrations.Sqlite;

/// <summary>Lets `dotnet ef` build the model for Sqlite without starting the portal.</summary>
public sealed class DesignTimeFactory : IDesignTimeDbContextFactory<PortalDbContext>
{
    public PortalDbContext CreateDbContext(string[] args) => DatabaseSetup.CreateForDesignTime(DatabaseProvider.Sqlite, args);
}
