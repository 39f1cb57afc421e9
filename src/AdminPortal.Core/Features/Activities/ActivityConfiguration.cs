using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AdminPortal.Core.Features.Activities;

internal sealed class ActivityConfiguration : IEntityTypeConfiguration<Activity>
{
    public void Configure(EntityTypeBuilder<Activity> activity)
    {
        activity.Property(a => a.App).HasMaxLength(128);
        activity.Property(a => a.ActivityType).HasMaxLength(128);
        activity.Property(a => a.User).HasMaxLength(256);
        activity.Property(a => a.IpAddress).HasMaxLength(45);
        activity.Property(a => a.Country).HasMaxLength(2);
        activity.Property(a => a.Device).HasMaxLength(256);
        activity.Property(a => a.ObjectName).HasMaxLength(1024);
        activity.Property(a => a.ObjectId).HasMaxLength(256);
        activity.Property(a => a.TargetUser).HasMaxLength(256);

        // Activity list sorted by date; one user's activities (entity filter, threshold evidence).
        activity.HasIndex(a => a.Timestamp);
        activity.HasIndex(a => new { a.User, a.Timestamp });
    }
}
