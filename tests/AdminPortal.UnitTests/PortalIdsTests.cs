using AdminPortal.Core;

namespace AdminPortal.UnitTests;

public sealed class PortalIdsTests
{
    [Fact]
    public void NewId_Is24LowerCaseHexCharacters()
    {
        var id = PortalIds.NewId();

        Assert.Matches("^[0-9a-f]{24}$", id);
    }

    [Fact]
    public void NewId_IsValid() => Assert.True(PortalIds.IsValid(PortalIds.NewId()));

    [Fact]
    public void NewId_CalledManyTimes_NeverRepeats()
    {
        var ids = Enumerable.Range(0, 10_000).Select(_ => PortalIds.NewId()).ToList();

        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [InlineData("0123456789abcdef01234567")]
    [InlineData("000000000000000000000000")]
    [InlineData("ffffffffffffffffffffffff")]
    public void IsValid_For24LowerCaseHexCharacters_IsTrue(string id) => Assert.True(PortalIds.IsValid(id));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("0123456789abcdef0123456")]
    [InlineData("0123456789abcdef012345678")]
    [InlineData("0123456789ABCDEF01234567")]
    [InlineData("0123456789abcdeg01234567")]
    [InlineData("0123456789abcdef 1234567")]
    [InlineData("0123456789abcdef-1234567")]
    [InlineData("٠١٢٣٤٥٦٧٨٩abcdef01234567")]
    public void IsValid_ForAnythingElse_IsFalse(string? id) => Assert.False(PortalIds.IsValid(id));
}
