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

        // Entities get their own table so the API's entity.* filters are index seeks.
        alert.OwnsMany(a => a.Entities, entities =>
        {
            entities.ToTable("AlertEntities");
            entities.WithOwner().HasForeignKey("AlertId");
            entities.Property<int>("Id");
            entities.HasKey("AlertId", "Id");
            entities.Property(e => e.Type).HasConversion<string>().HasMaxLength(16);
            entities.Property(e => e.Value).HasMaxLength(512);
            entities.Property(e => e.Label).HasMaxLength(512);
            entities.Property(e => e.Role).HasMaxLength(32);
            entities.HasIndex(e => new { e.Type, e.Value });
        });

        // The grid and the API sort by date and filter by status, severity, policy and read state.
        alert.HasIndex(a => a.CreatedAt);
        alert.HasIndex(a => new { a.ResolutionStatus, a.CreatedAt });
        alert.HasIndex(a => new { a.Severity, a.CreatedAt });
        alert.HasIndex(a => new { a.PolicyId, a.CreatedAt });
        alert.HasIndex(a => new { a.ReadStatus, a.CreatedAt });
        alert.HasIndex(a => a.ClosedAt);
        alert.HasIndex(a => a.CorrelationKey);
    }
}
