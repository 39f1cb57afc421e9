using AdminPortal.Core.Features.Alerts;
using AdminPortal.Core.Features.Policies;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AdminPortal.Core.Features.Email;

internal sealed class AlertEmailConfiguration : IEntityTypeConfiguration<AlertEmail>
{
    public void Configure(EntityTypeBuilder<AlertEmail> email)
    {
        email.Property(e => e.Kind).HasConversion<string>().HasMaxLength(16);
        email.Property(e => e.State).HasConversion<string>().HasMaxLength(16);
        email.Property(e => e.AlertId).HasMaxLength(24).IsFixedLength();
        email.Property(e => e.PolicyId).HasMaxLength(24).IsFixedLength();
        email.Property(e => e.Recipient).HasMaxLength(254);
        email.Property(e => e.LeaseOwner).HasMaxLength(128);
        email.Property(e => e.LastError).HasMaxLength(2000);
        email.HasOne<Alert>().WithMany().HasForeignKey(e => e.AlertId).OnDelete(DeleteBehavior.Cascade);
        email.HasOne<Policy>().WithMany().HasForeignKey(e => e.PolicyId).OnDelete(DeleteBehavior.Cascade);

        // The sender's due-row queries, the per-policy counts and the alert detail.
        email.HasIndex(e => new { e.State, e.NextAttemptAt });
        email.HasIndex(e => new { e.State, e.LeaseExpiresAt });
        email.HasIndex(e => new { e.PolicyId, e.Day, e.State });
        email.HasIndex(e => e.AlertId);
    }
}

internal sealed class EmailRecipientDayConfiguration : IEntityTypeConfiguration<EmailRecipientDay>
{
    public void Configure(EntityTypeBuilder<EmailRecipientDay> day)
    {
        day.HasKey(d => new { d.Recipient, d.Day });
        day.Property(d => d.Recipient).HasMaxLength(254);
        day.Property(d => d.Version).IsConcurrencyToken();
    }
}
