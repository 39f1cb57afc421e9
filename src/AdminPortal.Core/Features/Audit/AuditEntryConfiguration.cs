using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AdminPortal.Core.Features.Audit;

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> entry)
    {
        entry.Property(e => e.Actor).HasMaxLength(256);
        entry.Property(e => e.Action).HasMaxLength(64);
        entry.Property(e => e.TargetType).HasMaxLength(64);
        entry.Property(e => e.TargetId).HasMaxLength(256);
        entry.Property(e => e.Details).HasMaxLength(4000);
        entry.Property(e => e.ClientAddress).HasMaxLength(45);
        entry.HasIndex(e => e.At);
        entry.HasIndex(e => new { e.Actor, e.At });
        entry.HasIndex(e => new { e.Action, e.At });
    }
}
