using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using AdminPortal.Core.Features.ApiTokens;

namespace AdminPortal.UnitTests.ApiTokens;

public sealed class ApiTokenValuesTests
{
    /// <summary>The pattern existing MCAS tooling checks, written out here rather than taken from the code under test.</summary>
    private static readonly Regex McasPattern = new(@"\A[0-9a-zA-Z=]{64,192}\z", RegexOptions.CultureInvariant);

    private const string Base62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

    [Fact]
    public void Generate_Gives64Base62CharactersMatchingTheMcasPattern()
    {
        var value = ApiTokenValues.Generate();

        Assert.Equal(64, value.Length);
        Assert.Matches(McasPattern, value);
        Assert.All(value, c => Assert.Contains(c, Base62));
        Assert.True(ApiTokenValues.IsWellFormed(value));
    }

    [Fact]
    public void Generate_ManyTimes_GivesDistinctValuesDrawnFromTheWholeAlphabet()
    {
        var values = Enumerable.Range(0, 2000).Select(_ => ApiTokenValues.Generate()).ToList();

        Assert.Equal(values.Count, values.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(values.Count, values.Select(ApiTokenValues.Prefix).Distinct(StringComparer.Ordinal).Count());
        // 128,000 characters over 62 symbols: a missing symbol means a broken generator, not bad luck.
        var seen = values.SelectMany(v => v).ToHashSet();
        Assert.Equal(Base62.OrderBy(c => c), seen.OrderBy(c => c));
        Assert.All(values, v => Assert.Matches(McasPattern, v));
    }

    [Theory]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(128)]
    [InlineData(192)]
    public void IsWellFormed_ForBase62OfAnAllowedLength_IsTrue(int length) =>
        Assert.True(ApiTokenValues.IsWellFormed(Repeat("aZ09", length)));

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(63)]
    [InlineData(193)]
    [InlineData(10_000)]
    public void IsWellFormed_ForBase62OfAnotherLength_IsFalse(int length) =>
        Assert.False(ApiTokenValues.IsWellFormed(Repeat("aZ09", length)));

    [Fact]
    public void IsWellFormed_ForNull_IsFalse() => Assert.False(ApiTokenValues.IsWellFormed(null));

    [Fact]
    public void IsWellFormed_WithATrailingNewline_IsFalse() => Assert.False(ApiTokenValues.IsWellFormed(new string('a', 64) + "\n"));

    [Theory]
    [InlineData("=")]
    [InlineData("==")]
    public void IsWellFormed_WithEqualsSigns_IsTrue(string padding)
    {
        Assert.True(ApiTokenValues.IsWellFormed(Repeat("Ab1", 64 - padding.Length) + padding));
        Assert.True(ApiTokenValues.IsWellFormed(new string('=', 64)));
    }

    [Theory]
    [InlineData("é")]          // Latin letter outside ASCII
    [InlineData("Ａ")]         // fullwidth A
    [InlineData("٣")]          // Arabic-Indic digit (a \d in .NET, not in [0-9])
    [InlineData("\u0131")]     // dotless i
    [InlineData("\u212A")]     // Kelvin sign, which case-folds to K
    [InlineData("😀")]
    [InlineData("-")]
    [InlineData("_")]
    [InlineData("+")]
    [InlineData("/")]
    [InlineData(".")]
    [InlineData(" ")]
    [InlineData("\t")]
    [InlineData("\0")]
    public void IsWellFormed_WithAnyCharacterOutsideTheAlphabet_IsFalse(string intruder)
    {
        var body = Repeat("aZ09", 64);
        Assert.False(ApiTokenValues.IsWellFormed(intruder + body[intruder.Length..]));
        Assert.False(ApiTokenValues.IsWellFormed(body[..32] + intruder + body[(32 + intruder.Length)..]));
        Assert.False(ApiTokenValues.IsWellFormed(body[..^intruder.Length] + intruder));
        Assert.False(ApiTokenValues.IsWellFormed(body + intruder));
    }

    [Theory]
    [InlineData("Token ")]
    [InlineData("Bearer ")]
    [InlineData(" ")]
    public void IsWellFormed_WithASchemeOrSpaceStillAttached_IsFalse(string lead) =>
        Assert.False(ApiTokenValues.IsWellFormed(lead + ApiTokenValues.Generate()));

    [Fact]
    public void Hash_IsTheSha256OfTheUtf8Bytes()
    {
        // FIPS 180-2's own example: SHA-256("abc").
        Assert.Equal(Convert.FromHexString("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"), ApiTokenValues.Hash("abc"));

        var value = ApiTokenValues.Generate();
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(value)), ApiTokenValues.Hash(value));
        // UTF-8, not UTF-16 or Latin-1: "é" is C3 A9.
        Assert.Equal(SHA256.HashData([0xC3, 0xA9]), ApiTokenValues.Hash("é"));
        Assert.Equal(32, ApiTokenValues.Hash(value).Length);
    }

    [Fact]
    public void Hash_OfTwoValuesDifferingInOneCharacter_Differs()
    {
        var value = ApiTokenValues.Generate();
        var other = value[..^1] + (value[^1] == 'a' ? 'b' : 'a');

        Assert.NotEqual(ApiTokenValues.Hash(value), ApiTokenValues.Hash(other));
    }

    [Fact]
    public void Matches_TheValueItsHashWasMadeFrom_IsTrue()
    {
        var value = ApiTokenValues.Generate();

        Assert.True(ApiTokenValues.Matches(ApiTokenValues.Hash(value), value));
    }

    [Fact]
    public void Matches_AnotherValue_IsFalse()
    {
        var value = ApiTokenValues.Generate();
        var hash = ApiTokenValues.Hash(value);

        Assert.False(ApiTokenValues.Matches(hash, ApiTokenValues.Generate()));
        Assert.False(ApiTokenValues.Matches(hash, value[..^1] + (value[^1] == 'a' ? 'b' : 'a')));
        Assert.False(ApiTokenValues.Matches(hash, value.ToUpperInvariant() == value ? value.ToLowerInvariant() : value.ToUpperInvariant()));
        Assert.False(ApiTokenValues.Matches(hash, ""));
    }

    [Fact]
    public void Matches_AStoredHashWithOneBitChangedOrCutShort_IsFalse()
    {
        var value = ApiTokenValues.Generate();
        var flipped = ApiTokenValues.Hash(value);
        flipped[^1] ^= 1;

        Assert.False(ApiTokenValues.Matches(flipped, value));
        Assert.False(ApiTokenValues.Matches(ApiTokenValues.Hash(value)[..31], value));
        Assert.False(ApiTokenValues.Matches([], value));
    }

    [Fact]
    public void Prefix_IsTheFirstEightCharactersOfTheValue()
    {
        var value = ApiTokenValues.Generate();

        var prefix = ApiTokenValues.Prefix(value);

        Assert.Equal(8, prefix.Length);
        Assert.Equal(ApiTokenValues.PrefixLength, prefix.Length);
        Assert.StartsWith(prefix, value, StringComparison.Ordinal);
        Assert.Equal("abcdefgh", ApiTokenValues.Prefix("abcdefgh" + new string('Z', 56)));
    }

    private static string Repeat(string pattern, int length) =>
        string.Concat(Enumerable.Repeat(pattern, length / pattern.Length + 1))[..length];
}
