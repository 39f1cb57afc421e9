using AdminPortal.Core.Features.Users;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AdminPortal.Core.Features.Playbooks;

internal sealed class PlaybookConfiguration : IEntityTypeConfiguration<Playbook>
{
    public void Configure(EntityTypeBuilder<Playbook> playbook)
    {
        playbook.Property(p => p.Name).HasMaxLength(200);
        playbook.Property(p => p.Description).HasMaxLength(1000);
        playbook.Property(p => p.HeaderName).HasMaxLength(100);
        playbook.Property(p => p.HeaderValueEncrypted).HasMaxLength(4000);
        playbook.Property(p => p.Kind).HasConversion<string>().HasMaxLength(32);
        playbook.Property(p => p.CallbackUrlEncrypted).HasMaxLength(8000);
        playbook.Property(p => p.CallbackUrlHash).HasMaxLength(32);
        playbook.Property(p => p.CallbackUrlMasked).HasMaxLength(512);
        playbook.Property(p => p.SigningSecretEncrypted).HasMaxLength(2000);
        playbook.Property(p => p.PreviousSigningSecretEncrypted).HasMaxLength(2000);
        playbook.OwnsOne(p => p.Health, health => health.Property(h => h.DisabledReason).HasMaxLength(512));
        playbook.HasOne(p => p.Owner).WithMany().HasForeignKey(p => p.OwnerId).OnDelete(DeleteBehavior.Restrict);
        playbook.HasMany(p => p.Shares).WithOne().HasForeignKey(s => s.PlaybookId).OnDelete(DeleteBehavior.Cascade);

        playbook.HasIndex(p => p.OwnerId);
        playbook.HasIndex(p => new { p.OwnerId, p.CallbackUrlHash });
    }
}

internal sealed class PlaybookShareConfiguration : IEntityTypeConfiguration<PlaybookShare>
{
    public void Configure(EntityTypeBuilder<PlaybookShare> share)
    {
        share.Property(s => s.Role).HasConversion<string>().HasMaxLength(32);
        share.Property(s => s.Permission).HasConversion<string>().HasMaxLength(16);
        share.Property(s => s.GrantedBy).HasMaxLength(256);
        share.HasOne<User>().WithMany().HasForeignKey(s => s.UserId).OnDelete(DeleteBehavior.Cascade);
        share.HasIndex(s => new { s.PlaybookId, s.UserId });
        share.HasIndex(s => s.UserId);
    }
}
