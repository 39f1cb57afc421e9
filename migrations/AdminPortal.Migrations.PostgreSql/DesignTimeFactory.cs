using AdminPortal.Core.Data;
using Microsoft.EntityFrameworkCore.Design;

namespace AdminPortal.Migrations.PostgreSql;

/// <summary>Lets `dotnet ef` build the model for PostgreSql without starting the portal.</summary>
public sealed class DesignTimeFactory : IDesignTimeDbContextFactory<PortalDbContext>
{
    public PortalDbContext CreateDbContext(string[] args) => DatabaseSetup.CreateForDesignTime(DatabaseProvider.PostgreSql, args);
}
