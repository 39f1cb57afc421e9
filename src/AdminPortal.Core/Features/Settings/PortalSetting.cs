using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AdminPortal.Core.Features.Settings;

/// <summary>An organization-wide setting the admins change in the portal (not in configuration), stored as JSON by key.</summary>
public sealed class PortalSetting
{
    public required string Key { get; set; }
    public required string Value { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public string UpdatedBy { get; set; } = "";
}

internal sealed class PortalSettingConfiguration : IEntityTypeConfiguration<PortalSetting>
{
    public void Configure(EntityTypeBuilder<PortalSetting> setting)
    {
        setting.ToTable("PortalSettings");
        setting.HasKey(s => s.Key);
        setting.Property(s => s.Key).HasMaxLength(100);
        setting.Property(s => s.UpdatedBy).HasMaxLength(256);
    }
}
