using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AdminPortal.Core.Features.Users;

internal sealed class UserConfiguration : IEntityTypeConfiguration<User>
{
    public void Configure(EntityTypeBuilder<User> user)
    {
        user.Property(u => u.Upn).HasMaxLength(256);
        user.HasIndex(u => u.Upn).IsUnique();
        user.Property(u => u.DisplayName).HasMaxLength(256);
        user.Property(u => u.ExternalObjectId).HasMaxLength(64);
        user.HasIndex(u => u.ExternalObjectId);
        user.Property(u => u.Role).HasConversion<string>().HasMaxLength(32);
        user.Property(u => u.Source).HasConversion<string>().HasMaxLength(16);
    }
}

internal sealed class SignInLinkConfiguration : IEntityTypeConfiguration<SignInLink>
{
    public void Configure(EntityTypeBuilder<SignInLink> link)
    {
        link.Property(l => l.SecretHash).HasMaxLength(32);
        link.HasIndex(l => l.SecretHash).IsUnique();
        link.HasOne(l => l.User).WithMany().HasForeignKey(l => l.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
