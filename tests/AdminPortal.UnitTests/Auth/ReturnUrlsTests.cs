using AdminPortal.Web.Auth;

namespace AdminPortal.UnitTests.Auth;

public sealed class ReturnUrlsTests
{
    [Theory]
    [InlineData("/")]
    [InlineData("/alerts")]
    [InlineData("/settings/security-extensions")]
    [InlineData("/alerts?status=open&sort=-created")]
    [InlineData("/policies/0123456789abcdef01234567#details")]
    [InlineData("/search?next=%2F%2Fevil.example")]
    public void Safe_ForALocalPath_KeepsIt(string returnUrl) =>
        Assert.Equal(returnUrl, ReturnUrls.Safe(returnUrl));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("//evil.example")]
    [InlineData("//evil.example/alerts")]
    [InlineData("/\\evil.example")]
    [InlineData("\\\\evil.example")]
    [InlineData("https://evil.example/")]
    [InlineData("http://evil.example/alerts")]
    [InlineData("HTTPS://evil.example")]
    [InlineData("javascript:alert(1)")]
    [InlineData("data:text/html,<script>alert(1)</script>")]
    [InlineData("alerts")]
    [InlineData("~/alerts")]
    [InlineData(" /alerts")]
    public void Safe_ForAnythingButALocalPath_ReturnsRoot(string? returnUrl) =>
        Assert.Equal("/", ReturnUrls.Safe(returnUrl));

    [Theory]
    [InlineData("/\t/evil.example")]
    [InlineData("/\n/evil.example")]
    [InlineData("/\r\n/evil.example")]
    [InlineData("/alerts\r\nSet-Cookie: a=b")]
    [InlineData("/alerts\0")]
    [InlineData("/\u007f")]
    [InlineData("/\u0085")]
    public void Safe_ForAPathWithControlCharacters_ReturnsRoot(string returnUrl) =>
        Assert.Equal("/", ReturnUrls.Safe(returnUrl));

    [Fact]
    public void Safe_ForAPathOfExactly2048Characters_KeepsIt()
    {
        var path = "/" + new string('a', 2047);

        Assert.Equal(path, ReturnUrls.Safe(path));
    }

    [Fact]
    public void Safe_ForAPathLongerThan2048Characters_ReturnsRoot() =>
        Assert.Equal("/", ReturnUrls.Safe("/" + new string('a', 2048)));
}
