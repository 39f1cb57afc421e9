using AdminPortal.Core.Features.Playbooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AdminPortal.Core.Features.Policies;

internal sealed class PolicyConfiguration : IEntityTypeConfiguration<Policy>
{
    public void Configure(EntityTypeBuilder<Policy> policy)
    {
        policy.Property(p => p.Id).HasMaxLength(24).IsFixedLength();
        policy.Property(p => p.Name).HasMaxLength(200);
        policy.Property(p => p.Description).HasMaxLength(4000);
        policy.Property(p => p.Type).HasConversion<string>().HasMaxLength(32);
        policy.Property(p => p.Category).HasConversion<string>().HasMaxLength(32);
        policy.Property(p => p.Severity).HasConversion<string>().HasMaxLength(16);
        policy.Property(p => p.TemplateId).HasMaxLength(64);
        policy.Property(p => p.CreatedBy).HasMaxLength(256);
        policy.Property(p => p.ModifiedBy).HasMaxLength(256);
        policy.Property(p => p.DeletedBy).HasMaxLength(256);
        policy.Property(p => p.Version).IsConcurrencyToken();

        policy.OwnsMany(p => p.Conditions, conditions =>
        {
            conditions.ToJson();
            conditions.Property(c => c.Operator).HasConversion<string>();
        });
        policy.OwnsOne(p => p.Threshold);
        policy.OwnsOne(p => p.AlertSettings);

        policy.HasMany(p => p.Playbooks).WithOne().HasForeignKey(l => l.PolicyId).OnDelete(DeleteBehavior.Cascade);

        policy.HasIndex(p => p.Name);
        policy.HasIndex(p => new { p.Category, p.IsEnabled });
    }
}

internal sealed class PolicyPlaybookConfiguration : IEntityTypeConfiguration<PolicyPlaybook>
{
    public void Configure(EntityTypeBuilder<PolicyPlaybook> link)
    {
        link.ToTable("PolicyPlaybooks");
        link.HasKey(l => new { l.PolicyId, l.PlaybookId });
        link.Property(l => l.PolicyId).HasMaxLength(24).IsFixedLength();
        link.Property(l => l.LinkedBy).HasMaxLength(256);
        link.HasOne<Playbook>().WithMany().HasForeignKey(l => l.PlaybookId).OnDelete(DeleteBehavior.Cascade);
        link.HasIndex(l => l.PlaybookId);
    }
}

internal sealed class PolicyDailyCountConfiguration : IEntityTypeConfiguration<PolicyDailyCount>
{
    public void Configure(EntityTypeBuilder<PolicyDailyCount> count)
    {
        count.ToTable("PolicyDailyCounts");
        count.HasKey(c => new { c.PolicyId, c.Day });
        count.Property(c => c.PolicyId).HasMaxLength(24).IsFixedLength();
        // Two instances counting the same policy's day at once: the second retries its batch.
        count.Property(c => c.Version).IsConcurrencyToken();
        count.HasOne<Policy>().WithMany().HasForeignKey(c => c.PolicyId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ThresholdStateConfiguration : IEntityTypeConfiguration<ThresholdState>
{
    public void Configure(EntityTypeBuilder<ThresholdState> state)
    {
        state.ToTable("ThresholdStates");
        state.HasKey(s => new { s.PolicyId, s.User });
        state.Property(s => s.PolicyId).HasMaxLength(24).IsFixedLength();
        state.Property(s => s.User).HasMaxLength(256);
        state.Property(s => s.Version).IsConcurrencyToken();
        state.HasOne<Policy>().WithMany().HasForeignKey(s => s.PolicyId).OnDelete(DeleteBehavior.Cascade);
    }
}
