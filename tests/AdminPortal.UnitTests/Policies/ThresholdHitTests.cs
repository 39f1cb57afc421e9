using AdminPortal.Core.Features.Policies;

namespace AdminPortal.UnitTests.Policies;

/// <summary>The compact form a repeat threshold's recent matches are stored in.</summary>
public sealed class ThresholdHitTests
{
    [Fact]
    public void FormatThenParse_GivesTheSameHits_InOrder_AsUtc()
    {
        ThresholdHit[] hits =
        [
            new(new DateTimeOffset(2026, 3, 2, 9, 0, 0, 123, TimeSpan.Zero), Guid.NewGuid()),
            new(new DateTimeOffset(2026, 3, 2, 10, 0, 0, TimeSpan.FromHours(1)), Guid.NewGuid()),
        ];

        var parsed = ThresholdHit.Parse(ThresholdHit.Format(hits));

        Assert.Equal(hits, parsed);
        Assert.All(parsed, h => Assert.Equal(TimeSpan.Zero, h.At.Offset));
    }

    [Fact]
    public void NothingRemembered_IsAnEmptyString()
    {
        Assert.Equal("", ThresholdHit.Format([]));
        Assert.Empty(ThresholdHit.Parse(""));
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("123")]
    [InlineData("abc:0f8fad5b-d9cb-469f-a165-70867728950e")]
    [InlineData("638765000000000000:not-a-guid")]
    [InlineData(":0f8fad5b-d9cb-469f-a165-70867728950e")]
    public void AMalformedEntry_IsSkipped(string entry)
    {
        var good = new ThresholdHit(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero), Guid.NewGuid());

        var parsed = ThresholdHit.Parse($"{entry};{ThresholdHit.Format([good])}");

        Assert.Equal([good], parsed);
    }
}
