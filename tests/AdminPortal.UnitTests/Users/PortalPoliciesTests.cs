using AdminPortal.Core.Features.Users;

namespace AdminPortal.UnitTests.Users;

public sealed class PortalPoliciesTests
{
    [Theory]
    [InlineData("SecurityReader", PortalRole.SecurityReader)]
    [InlineData("SecurityOperator", PortalRole.SecurityOperator)]
    [InlineData("GlobalAdmin", PortalRole.GlobalAdmin)]
    [InlineData("globaladmin", PortalRole.GlobalAdmin)]
    [InlineData("SECURITYREADER", PortalRole.SecurityReader)]
    [InlineData("securityOperator", PortalRole.SecurityOperator)]
    public void TryParseRole_ForARoleName_InAnyCase_ReturnsTheRole(string value, PortalRole expected)
    {
        Assert.True(PortalPolicies.TryParseRole(value, out var role));
        Assert.Equal(expected, role);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1")]
    [InlineData("2")]
    [InlineData("3")]
    [InlineData("-1")]
    [InlineData("+2")]
    [InlineData(" 2")]
    public void TryParseRole_ForANumber_IsRefused(string value) =>
        Assert.False(PortalPolicies.TryParseRole(value, out _));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Admin")]
    [InlineData("Reader")]
    [InlineData("GlobalAdministrator")]
    [InlineData("Security Reader")]
    [InlineData("Owner")]
    [InlineData("SecurityReader,GlobalAdmin")]
    [InlineData("SecurityReader, SecurityOperator")]
    public void TryParseRole_ForAnUnknownName_IsRefused(string? value) =>
        Assert.False(PortalPolicies.TryParseRole(value, out _));

    [Fact]
    public void PolicyRoles_EachIncludeTheRolesAboveThem()
    {
        Assert.Equal(
            [nameof(PortalRole.GlobalAdmin), nameof(PortalRole.SecurityOperator), nameof(PortalRole.SecurityReader)],
            PortalPolicies.ReaderRoles.Order());
        Assert.Equal([nameof(PortalRole.GlobalAdmin), nameof(PortalRole.SecurityOperator)], PortalPolicies.OperatorRoles.Order());
        Assert.Equal([nameof(PortalRole.GlobalAdmin)], PortalPolicies.AdminRoles);
    }
}
