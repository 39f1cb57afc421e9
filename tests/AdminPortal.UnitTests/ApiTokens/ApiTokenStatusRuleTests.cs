using AdminPortal.Core.Features.ApiTokens;
using Microsoft.Extensions.Time.Testing;

namespace AdminPortal.UnitTests.ApiTokens;

/// <summary>Generated = never used, Active = used in the last 7 days, Inactive = older use, then Expired and Revoked.</summary>
public sealed class ApiTokenStatusRuleTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 9, 0, 0, TimeSpan.Zero));

    [Fact]
    public void ANeverUsedToken_IsGenerated_HoweverOld()
    {
        var token = Token(createdAt: _time.GetUtcNow());
        Assert.Equal(ApiTokenStatus.Generated, ApiTokenStatusRule.Of(token, _time.GetUtcNow()));

        _time.Advance(TimeSpan.FromDays(400));

        Assert.Equal(ApiTokenStatus.Generated, ApiTokenStatusRule.Of(token, _time.GetUtcNow()));
    }

    [Fact]
    public void ATokenUsedJustNow_IsActive()
    {
        var token = Token(lastUsedAt: _time.GetUtcNow());

        Assert.Equal(ApiTokenStatus.Active, ApiTokenStatusRule.Of(token, _time.GetUtcNow()));
    }

    [Fact]
    public void ATokenUsedExactlySevenDaysAgo_IsStillActive()
    {
        var token = Token(lastUsedAt: _time.GetUtcNow());
        _time.Advance(TimeSpan.FromDays(7));

        Assert.Equal(ApiTokenStatus.Active, ApiTokenStatusRule.Of(token, _time.GetUtcNow()));
    }

    [Fact]
    public void ATokenUsedSevenDaysAndATickAgo_IsInactive()
    {
        var token = Token(lastUsedAt: _time.GetUtcNow());
        _time.Advance(TimeSpan.FromDays(7) + TimeSpan.FromTicks(1));

        Assert.Equal(ApiTokenStatus.Inactive, ApiTokenStatusRule.Of(token, _time.GetUtcNow()));
    }

    [Fact]
    public void ATokenLastUsedMonthsAgo_IsInactive()
    {
        var token = Token(lastUsedAt: _time.GetUtcNow());
        _time.Advance(TimeSpan.FromDays(90));

        Assert.Equal(ApiTokenStatus.Inactive, ApiTokenStatusRule.Of(token, _time.GetUtcNow()));
    }

    [Fact]
    public void ActiveWindow_IsSevenDays() => Assert.Equal(TimeSpan.FromDays(7), ApiTokenStatusRule.ActiveWindow);

    [Fact]
    public void ATokenJustBeforeItsExpiry_IsNotExpired()
    {
        var token = Token(lastUsedAt: _time.GetUtcNow(), expiresAt: _time.GetUtcNow().AddDays(1));
        _time.Advance(TimeSpan.FromDays(1) - TimeSpan.FromTicks(1));

        Assert.Equal(ApiTokenStatus.Active, ApiTokenStatusRule.Of(token, _time.GetUtcNow()));
    }

    [Fact]
    public void ATokenAtItsExpiry_IsExpired()
    {
        var token = Token(lastUsedAt: _time.GetUtcNow(), expiresAt: _time.GetUtcNow().AddDays(1));
        _time.Advance(TimeSpan.FromDays(1));

        Assert.Equal(ApiTokenStatus.Expired, ApiTokenStatusRule.Of(token, _time.GetUtcNow()));
    }

    [Theory]
    [InlineData(null)]       // never used
    [InlineData(0.5)]        // used recently
    [InlineData(30.0)]       // used long ago
    public void ATokenAfterItsExpiry_IsExpired_WhateverItsUse(double? usedDaysAgo)
    {
        var created = _time.GetUtcNow();
        _time.Advance(TimeSpan.FromDays(60));
        var token = Token(createdAt: created, expiresAt: created.AddDays(59),
            lastUsedAt: usedDaysAgo is { } days ? _time.GetUtcNow().AddDays(-days) : null);

        Assert.Equal(ApiTokenStatus.Expired, ApiTokenStatusRule.Of(token, _time.GetUtcNow()));
    }

    [Fact]
    public void ExpiryIsComparedAsAnInstant_NotAsLocalClockText()
    {
        // 10:00 at +02:00 is 08:00 UTC: already past at 09:00 UTC.
        var token = Token(expiresAt: new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.FromHours(2)));

        Assert.Equal(ApiTokenStatus.Expired, ApiTokenStatusRule.Of(token, _time.GetUtcNow()));
    }

    [Theory]
    [InlineData(null, null)]      // never used, no expiry
    [InlineData(1.0, null)]       // active
    [InlineData(30.0, null)]      // inactive
    [InlineData(1.0, -1.0)]       // expired yesterday
    [InlineData(null, 10.0)]      // expires later
    public void ARevokedToken_IsRevoked_WhateverElseIsTrue(double? usedDaysAgo, double? expiresInDays)
    {
        var now = _time.GetUtcNow();
        var token = Token(
            lastUsedAt: usedDaysAgo is { } used ? now.AddDays(-used) : null,
            expiresAt: expiresInDays is { } expires ? now.AddDays(expires) : null,
            revokedAt: now.AddHours(-1));

        Assert.Equal(ApiTokenStatus.Revoked, ApiTokenStatusRule.Of(token, now));
    }

    [Fact]
    public void ATokenRevokedThisVeryInstant_IsRevoked()
    {
        var token = Token(lastUsedAt: _time.GetUtcNow(), revokedAt: _time.GetUtcNow());

        Assert.Equal(ApiTokenStatus.Revoked, ApiTokenStatusRule.Of(token, _time.GetUtcNow()));
    }

    [Fact]
    public void TheOverloadTakingAToken_AgreesWithTheOneTakingItsDates()
    {
        var now = _time.GetUtcNow();
        var token = Token(lastUsedAt: now.AddDays(-8), expiresAt: now.AddDays(1));

        Assert.Equal(ApiTokenStatusRule.Of(token.RevokedAt, token.ExpiresAt, token.LastUsedAt, now), ApiTokenStatusRule.Of(token, now));
        Assert.Equal(ApiTokenStatus.Inactive, ApiTokenStatusRule.Of(null, now.AddDays(1), now.AddDays(-8), now));
    }

    private ApiToken Token(DateTimeOffset? createdAt = null, DateTimeOffset? lastUsedAt = null, DateTimeOffset? expiresAt = null, DateTimeOffset? revokedAt = null) => new()
    {
        Name = "playbook",
        ValueHash = new byte[32],
        Prefix = "abcdefgh",
        CreatedAt = createdAt ?? _time.GetUtcNow().AddDays(-100),
        LastUsedAt = lastUsedAt,
        ExpiresAt = expiresAt,
        RevokedAt = revokedAt,
    };
}
