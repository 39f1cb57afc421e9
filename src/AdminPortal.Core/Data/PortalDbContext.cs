using AdminPortal.Core.Features.Activities;
using AdminPortal.Core.Features.Alerts;
using AdminPortal.Core.Features.ApiTokens;
using AdminPortal.Core.Features.Audit;
using AdminPortal.Core.Features.Dispatch;
using AdminPortal.Core.Features.Email;
using AdminPortal.Core.Features.Playbooks;
using AdminPortal.Core.Features.Policies;
using AdminPortal.Core.Features.Users;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace AdminPortal.Core.Data;

public sealed class PortalDbContext(DbContextOptions<PortalDbContext> options) : DbContext(options), IDataProtectionKeyContext
{
    public DbSet<User> Users => Set<User>();
    public DbSet<SignInLink> SignInLinks => Set<SignInLink>();
    public DbSet<Activity> Activities => Set<Activity>();
    public DbSet<Policy> Policies => Set<Policy>();
    public DbSet<PolicyPlaybook> PolicyPlaybooks => Set<PolicyPlaybook>();
    public DbSet<PolicyDailyCount> PolicyDailyCounts => Set<PolicyDailyCount>();
    public DbSet<ThresholdState> ThresholdStates => Set<ThresholdState>();
    public DbSet<Alert> Alerts => Set<Alert>();
    public DbSet<AlertEntity> AlertEntities => Set<AlertEntity>();
    public DbSet<AlertEvent> AlertEvents => Set<AlertEvent>();
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();
    public DbSet<Playbook> Playbooks => Set<Playbook>();
    public DbSet<PlaybookShare> PlaybookShares => Set<PlaybookShare>();
    public DbSet<Delivery> Deliveries => Set<Delivery>();
    public DbSet<DeliveryAttempt> DeliveryAttempts => Set<DeliveryAttempt>();
    public DbSet<AlertEmail> AlertEmails => Set<AlertEmail>();
    public DbSet<EmailRecipientDay> EmailRecipientDays => Set<EmailRecipientDay>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();
    /// <summary>Data Protection keys live in the database so several instances share them.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(PortalDbContext).Assembly);

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite cannot compare or sort DateTimeOffset text; store UTC ticks instead.
        if (Database.IsSqlite())
        {
            configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UtcTicksConverter>();
            configurationBuilder.Properties<DateTimeOffset?>().HaveConversion<UtcTicksConverter>();
        }
    }

    /// <summary>UTC ticks sort and compare correctly whatever offset a value came with; read back as UTC.</summary>
    private sealed class UtcTicksConverter() : ValueConverter<DateTimeOffset, long>(
        value => value.UtcTicks,
        ticks => new DateTimeOffset(ticks, TimeSpan.Zero));
}
