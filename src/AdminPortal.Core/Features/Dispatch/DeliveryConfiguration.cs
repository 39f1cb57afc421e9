using AdminPortal.Core.Features.Alerts;
using AdminPortal.Core.Features.Playbooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AdminPortal.Core.Features.Dispatch;

internal sealed class DeliveryConfiguration : IEntityTypeConfiguration<Delivery>
{
    public void Configure(EntityTypeBuilder<Delivery> delivery)
    {
        delivery.Property(d => d.AlertId).HasMaxLength(24).IsFixedLength();
        delivery.Property(d => d.State).HasConversion<string>().HasMaxLength(16);
        delivery.Property(d => d.LeaseOwner).HasMaxLength(128);
        delivery.Property(d => d.LastError).HasMaxLength(2000);
        delivery.HasOne<Alert>().WithMany().HasForeignKey(d => d.AlertId).OnDelete(DeleteBehavior.Cascade);
        delivery.HasOne<Playbook>().WithMany().HasForeignKey(d => d.PlaybookId).OnDelete(DeleteBehavior.Cascade);
        delivery.HasMany(d => d.Attempts).WithOne().HasForeignKey(a => a.DeliveryId).OnDelete(DeleteBehavior.Cascade);

        // The dispatcher's due-row query: state + next attempt; expired leases by lease expiry.
        delivery.HasIndex(d => new { d.State, d.NextAttemptAt });
        delivery.HasIndex(d => new { d.State, d.LeaseExpiresAt });
        delivery.HasIndex(d => new { d.PlaybookId, d.CreatedAt });
        delivery.HasIndex(d => new { d.AlertId, d.PlaybookId }).IsUnique();
    }
}

internal sealed class DeliveryAttemptConfiguration : IEntityTypeConfiguration<DeliveryAttempt>
{
    public void Configure(EntityTypeBuilder<DeliveryAttempt> attempt)
    {
        attempt.Property(a => a.Error).HasMaxLength(2000);
        attempt.Property(a => a.ResponseBody).HasMaxLength(4096);
        attempt.HasIndex(a => new { a.DeliveryId, a.StartedAt });
    }
}
