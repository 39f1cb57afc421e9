namespace AdminPortal.Core.Features.Users;

/// <summary>The portal's roles; names match the Entra ID app roles in the <c>roles</c> claim.</summary>
public enum PortalRole
{
    SecurityReader,
    SecurityOperator,
    GlobalAdmin,
}

/// <summary>Authorization policy names; each role includes the ones below it.</summary>
public static class PortalPolicies
{
    public const string Reader = "Reader";
    public const string Operator = "Operator";
    public const string Admin = "Admin";

    public static readonly string[] ReaderRoles = [nameof(PortalRole.GlobalAdmin), nameof(PortalRole.SecurityOperator), nameof(PortalRole.SecurityReader)];
    public static readonly string[] OperatorRoles = [nameof(PortalRole.GlobalAdmin), nameof(PortalRole.SecurityOperator)];
    public static readonly string[] AdminRoles = [nameof(PortalRole.GlobalAdmin)];

    public static bool TryParseRole(string? value, out PortalRole role) =>
        EnumNames.TryParse(value, out role);
}
