using AdminPortal.Core.Features.Policies;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AdminPortal.Core.Features.Alerts;

internal sealed class AlertConfiguration : IEntityTypeConfiguration<Alert>
{
    public void Configure(EntityTypeBuilder<Alert> alert)
    {
        alert.Property(a => a.Id).HasMaxLength(24).IsFixedLength();
        alert.Property(a => a.Title).HasMaxLength(512);
        alert.Property(a => a.Description).HasMaxLength(4000);
        alert.Property(a => a.ResolutionComment).HasMaxLength(2000);
        alert.Property(a => a.HandledBy).HasMaxLength(256);
        alert.Property(a => a.PolicyId).HasMaxLength(24).IsFixedLength();
        alert.Property(a => a.MainEntity).HasMaxLength(256);
        alert.Property(a => a.CorrelationKey).HasMaxLength(512);
        // An alert is evidence: deleting its policy must not delete it (policies are disabled, not deleted, once they alerted).
        alert.HasOne<Policy>().WithMany().HasForeignKey(a => a.PolicyId).OnDelete(DeleteBehavior.Restrict);

        alert.HasMany(a => a.Entities).WithOne().HasForeignKey(e => e.AlertId).OnDelete(DeleteBehavior.Cascade);
        alert.HasMany(a => a.History).WithOne().HasForeignKey(e => e.AlertId).OnDelete(DeleteBehavior.Cascade);

        // The grid and the API sort by date and filter by status, severity, policy and read state.
        alert.HasIndex(a => a.CreatedAt);
        alert.HasIndex(a => new { a.ResolutionStatus, a.CreatedAt });
        alert.HasIndex(a => new { a.ResolutionStatus, a.PolicyId }); // open-alert counts per policy
        alert.HasIndex(a => new { a.Severity, a.CreatedAt });
        alert.HasIndex(a => new { a.PolicyId, a.CreatedAt });
        alert.HasIndex(a => new { a.ReadStatus, a.CreatedAt });
        alert.HasIndex(a => a.ClosedAt);
        alert.HasIndex(a => a.CorrelationKey);
    }
}

internal sealed class AlertEntityConfiguration : IEntityTypeConfiguration<AlertEntity>
{
    public void Configure(EntityTypeBuilder<AlertEntity> entity)
    {
        // A table of its own, queried directly, so the entity.* filters are index seeks ("Id IN (SELECT AlertId …)").
        entity.ToTable("AlertEntities");
        entity.Property(e => e.AlertId).HasMaxLength(24).IsFixedLength();
        entity.Property(e => e.Type).HasConversion<string>().HasMaxLength(16);
        entity.Property(e => e.Value).HasMaxLength(512);
        entity.Property(e => e.Label).HasMaxLength(512);
        entity.Property(e => e.Role).HasMaxLength(32);
        entity.HasIndex(e => new { e.Type, e.Value, e.AlertId });
        entity.HasIndex(e => e.AlertId);
    }
}

internal sealed class AlertEventConfiguration : IEntityTypeConfiguration<AlertEvent>
{
    public void Configure(EntityTypeBuilder<AlertEvent> alertEvent)
    {
        alertEvent.ToTable("AlertEvents");
        alertEvent.Property(e => e.AlertId).HasMaxLength(24).IsFixedLength();
        alertEvent.Property(e => e.Actor).HasMaxLength(256);
        alertEvent.Property(e => e.Kind).HasConversion<string>().HasMaxLength(16);
        alertEvent.Property(e => e.Resolution).HasConversion<string>().HasMaxLength(16);
        alertEvent.Property(e => e.Comment).HasMaxLength(2000);
        alertEvent.HasIndex(e => new { e.AlertId, e.At });
    }
}
