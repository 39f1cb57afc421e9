using AdminPortal.Core.Features.ApiTokens;

namespace AdminPortal.UnitTests.ApiTokens;

public sealed class CreateApiTokenValidatorTests
{
    private readonly CreateApiTokenValidator _validator = new();

    [Theory]
    [InlineData("n")]
    [InlineData("Power Automate – close alerts")]
    [InlineData("n8n: sync 🚨 alerts")]
    [InlineData("Zürich SOC")]
    public void AnOrdinaryName_WithoutExpiry_IsValid(string name) =>
        Assert.True(_validator.Validate(new CreateApiTokenRequest(name, null)).IsValid);

    [Fact]
    public void AName_Of100CharactersWithSurroundingSpaces_IsValid() =>
        Assert.True(new CreateApiTokenValidator().Validate(new CreateApiTokenRequest(" " + new string('x', 100) + " ", null)).IsValid);

    [Fact]
    public void AName_Of100Characters_IsValid() =>
        Assert.True(_validator.Validate(new CreateApiTokenRequest(new string('n', 100), null)).IsValid);

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("   ")]
    [InlineData("\u00A0")]       // no-break space
    [InlineData("\u3000")]       // ideographic space
    public void AnEmptyOrBlankName_IsRefusedAsRequired(string name)
    {
        var result = _validator.Validate(new CreateApiTokenRequest(name, null));

        var error = Assert.Single(result.Errors, e => e.PropertyName == nameof(CreateApiTokenRequest.Name));
        Assert.Equal("Name is required.", error.ErrorMessage);
    }

    [Fact]
    public void ANullName_IsRefusedNotThrown()
    {
        var result = _validator.Validate(new CreateApiTokenRequest(null!, null));

        Assert.Contains(result.Errors, e => e.PropertyName == nameof(CreateApiTokenRequest.Name));
    }

    [Theory]
    [InlineData(101)]
    [InlineData(10_000)]
    public void AName_LongerThan100Characters_IsRefused(int length)
    {
        var result = _validator.Validate(new CreateApiTokenRequest(new string('n', length), null));

        var error = Assert.Single(result.Errors);
        Assert.Equal(nameof(CreateApiTokenRequest.Name), error.PropertyName);
        Assert.Contains("100", error.ErrorMessage);
    }

    [Theory]
    [InlineData("bad\u0000name")]
    [InlineData("bad\nname")]
    [InlineData("bad\rname")]
    [InlineData("bad\tname")]
    [InlineData("bad\u001Bname")]     // escape: terminal colour codes in a CLI listing
    [InlineData("bad\u007Fname")]
    [InlineData("bad\u0085name")]     // next line (C1)
    [InlineData("trailing newline\n")]
    public void AName_WithAControlCharacter_IsRefused(string name)
    {
        var result = _validator.Validate(new CreateApiTokenRequest(name, null));

        var error = Assert.Single(result.Errors);
        Assert.Equal(nameof(CreateApiTokenRequest.Name), error.PropertyName);
        Assert.Contains("control characters", error.ErrorMessage);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(30)]
    [InlineData(365)]
    [InlineData(3650)]
    public void AnExpiry_From1To3650Days_IsValid(int days) =>
        Assert.True(_validator.Validate(new CreateApiTokenRequest("playbook", days)).IsValid);

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(3651)]
    [InlineData(int.MaxValue)]
    [InlineData(int.MinValue)]
    public void AnExpiry_OutsideOneTo3650Days_IsRefused(int days)
    {
        var result = _validator.Validate(new CreateApiTokenRequest("playbook", days));

        var error = Assert.Single(result.Errors);
        Assert.Equal(nameof(CreateApiTokenRequest.ExpiresInDays), error.PropertyName);
        Assert.Contains("3650", error.ErrorMessage);
    }

    [Fact]
    public void BothFieldsWrong_ReportsBoth()
    {
        var result = _validator.Validate(new CreateApiTokenRequest("", 0));

        Assert.Contains(result.Errors, e => e.PropertyName == nameof(CreateApiTokenRequest.Name));
        Assert.Contains(result.Errors, e => e.PropertyName == nameof(CreateApiTokenRequest.ExpiresInDays));
    }
}
