using AdminPortal.Testing;
using AdminPortal.Core.Features.ApiTokens;
using AdminPortal.Core.Features.Audit;
using AdminPortal.Core.Features.Users;
using FluentValidation;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace AdminPortal.UnitTests.ApiTokens;

/// <summary>The token service against a real, migrated SQLite file.</summary>
public sealed class ApiTokenServiceTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 9, 0, 0, TimeSpan.Zero));
    private TestDatabase _database = null!;
    private ApiTokenService _tokens = null!;
    private UserService _users = null!;
    private User _ada = null!;    // SecurityReader
    private User _bob = null!;    // SecurityOperator
    private User _grace = null!;  // GlobalAdmin

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _tokens = new ApiTokenService(_database, _time);
        _users = new UserService(_database, _time);
        _ada = await _users.AddOrUpdateAsync("ada@contoso.com", PortalRole.SecurityReader, "test");
        _bob = await _users.AddOrUpdateAsync("bob@contoso.com", PortalRole.SecurityOperator, "test");
        _grace = await _users.AddOrUpdateAsync("grace@contoso.com", PortalRole.GlobalAdmin, "test");
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    private ApiTokenViewer Ada => new(_ada.Id, _ada.Upn, IsGlobalAdmin: false);
    private ApiTokenViewer Bob => new(_bob.Id, _bob.Upn, IsGlobalAdmin: false);
    private ApiTokenViewer Grace => new(_grace.Id, _grace.Upn, IsGlobalAdmin: true);

    // ---- Create

    [Fact]
    public async Task Create_ReturnsAWellFormedValueAndAGeneratedRow()
    {
        var created = await _tokens.CreateAsync(_ada.Id, new CreateApiTokenRequest("n8n", null), _ada.Upn);

        Assert.Matches("^[0-9a-zA-Z=]{64,192}$", created.Value);
        Assert.Equal(64, created.Value.Length);
        Assert.Equal("n8n", created.Token.Name);
        Assert.Equal(created.Value[..8], created.Token.Prefix);
        Assert.Equal(_ada.Id, created.Token.OwnerId);
        Assert.Equal("ada@contoso.com", created.Token.OwnerUpn);
        Assert.Equal(_time.GetUtcNow(), created.Token.CreatedAt);
        Assert.Null(created.Token.LastUsedAt);
        Assert.Null(created.Token.ExpiresAt);
        Assert.Null(created.Token.RevokedAt);
        Assert.Equal(ApiTokenStatus.Generated, created.Token.Status);
    }

    [Fact]
    public async Task Create_StoresOnlyTheHashAndThePrefix_TheValueIsInNoColumnAndNoAuditEntry()
    {
        var created = await _tokens.CreateAsync(_ada.Id, new CreateApiTokenRequest("Power Automate", 30), _ada.Upn);

        await using var db = _database.CreateDbContext();
        var stored = await db.ApiTokens.SingleAsync();
        Assert.Equal(ApiTokenValues.Hash(created.Value), stored.ValueHash);
        Assert.Equal(created.Value[..8], stored.Prefix);
        Assert.Equal(created.Token.Id, stored.Id);
        // Every column of both tables, as the file holds them: the value (or any 16-character piece past the prefix) is nowhere.
        var pieces = Enumerable.Range(8, created.Value.Length - 16 - 8 + 1).Select(start => created.Value.Substring(start, 16)).Append(created.Value).ToList();
        var columns = (await _database.RawValuesAsync("ApiTokens")).Concat(await _database.RawValuesAsync("AuditEntries")).ToList();
        Assert.NotEmpty(columns);
        foreach (var column in columns)
            Assert.DoesNotContain(pieces, piece => column.Contains(piece, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Create_WritesAnAuditEntryWithTheActorTheNameAndThePrefix()
    {
        var created = await _tokens.CreateAsync(_ada.Id, new CreateApiTokenRequest("Power Automate", null), "grace@contoso.com");

        await using var db = _database.CreateDbContext();
        var entry = await db.AuditEntries.SingleAsync(e => e.Action == AuditActions.ApiTokenCreated);
        Assert.Equal("grace@contoso.com", entry.Actor);
        Assert.Equal(_time.GetUtcNow(), entry.At);
        Assert.Equal(created.Token.Id.ToString(), entry.TargetId);
        Assert.Contains("name=Power Automate", entry.Details);
        Assert.Contains($"prefix={created.Token.Prefix}", entry.Details);
        Assert.Contains("owner=ada@contoso.com", entry.Details);
    }

    [Fact]
    public async Task Create_WithAnExpiry_SetsItThatManyDaysFromNow()
    {
        var created = await _tokens.CreateAsync(_ada.Id, new CreateApiTokenRequest("short-lived", 30), _ada.Upn);

        Assert.Equal(_time.GetUtcNow().AddDays(30), created.Token.ExpiresAt);
        await using var db = _database.CreateDbContext();
        Assert.Equal(_time.GetUtcNow().AddDays(30), (await db.ApiTokens.SingleAsync()).ExpiresAt);
    }

    [Fact]
    public async Task Create_TrimsTheName()
    {
        var created = await _tokens.CreateAsync(_ada.Id, new CreateApiTokenRequest("  n8n  ", null), _ada.Upn);

        Assert.Equal("n8n", created.Token.Name);
        await using var db = _database.CreateDbContext();
        Assert.Equal("n8n", (await db.ApiTokens.SingleAsync()).Name);
    }

    [Fact]
    public async Task Create_WithADuplicateActiveNameForTheSameOwner_IsRefusedOnNameAndStoresNothing()
    {
        await _tokens.CreateAsync(_ada.Id, new CreateApiTokenRequest("n8n", null), _ada.Upn);

        var failure = await Assert.ThrowsAsync<ValidationException>(() => _tokens.CreateAsync(_ada.Id, new CreateApiTokenRequest(" n8n ", null), _ada.Upn));

        var error = Assert.Single(failure.Errors);
        Assert.Equal(nameof(CreateApiTokenRequest.Name), error.PropertyName);
        Assert.Contains("n8n", error.ErrorMessage);
        await using var db = _database.CreateDbContext();
        Assert.Single(await db.ApiTokens.ToListAsync());
        Assert.Single(await db.AuditEntries.Where(e => e.Action == AuditActions.ApiTokenCreated).ToListAsync());
    }

    [Fact]
    public async Task Create_WithTheSameNameInOtherLetterCase_IsRefused()
    {
        await _tokens.CreateAsync(_ada.Id, new CreateApiTokenRequest("n8n", null), _ada.Upn);

        var failure = await Assert.ThrowsAsync<ValidationException>(() => _tokens.CreateAsync(_ada.Id, new CreateApiTokenRequest("N8N", null), _ada.Upn));

        Assert.Equal(nameof(CreateApiTokenRequest.Name), Assert.Single(failure.Errors).PropertyName);
    }

    [Fact]
    public async Task Create_TheSameNameForAnotherOwner_IsAllowed()
    {
        await _tokens.CreateAsync(_ada.Id, new CreateApiTokenRequest("n8n", null), _ada.Upn);

        var bobs = await _tokens.CreateAsync(_bob.Id, new CreateApiTokenRequest("n8n", null), _bob.Upn);

        Assert.Equal(_bob.Id, bobs.Token.OwnerId);
        await using var db = _database.CreateDbContext();
        Assert.Equal(2, await db.ApiTokens.CountAsync(t => t.Name == "n8n"));
    }

    [Fact]
    public async Task Create_TheNameOfARevokedToken_IsAllowed()
    {
        var first = await _tokens.CreateAsync(_ada.Id, new CreateApiTokenRequest("n8n", null), _ada.Upn);
        Assert.True(await _tokens.RevokeAsync(first.Token.Id, Ada));

        var second = await _tokens.CreateAsync(_ada.Id, new CreateApiTokenRequest("n8n", null), _ada.Upn);

        Assert.NotEqual(first.Token.Id, second.Token.Id);
        Assert.NotEqual(first.Value, second.Value);
        var rows = await _tokens.ListAsync(Ada);
        Assert.Equal([ApiTokenStatus.Generated, ApiTokenStatus.Revoked], rows.OrderBy(r => r.Status).Select(r => r.Status));
    }

    [Theory]
    [InlineData("", null)]
    [InlineData("   ", null)]
    [InlineData("bad\nname", null)]
    [InlineData("ok", 0)]
    [InlineData("ok", 3651)]
    public async Task Create_WithAnInvalidRequest_ThrowsValidationExceptionAndStoresNothing(string name, int? days)
    {
        await Assert.ThrowsAsync<ValidationException>(() => _tokens.CreateAsync(_ada.Id, new CreateApiTokenRequest(name, days), _ada.Upn));

        await using var db = _database.CreateDbContext();
        Assert.Empty(await db.ApiTokens.ToListAsync());
        Assert.DoesNotContain(await db.AuditEntries.ToListAsync(), e => e.Action == AuditActions.ApiTokenCreated);
    }

    [Fact]
    public async Task Create_WithA101CharacterName_IsRefused() =>
        await Assert.ThrowsAsync<ValidationException>(() => _tokens.CreateAsync(_ada.Id, new CreateApiTokenRequest(new string('n', 101), null), _ada.Upn));

    [Fact]
    public async Task Create_ForADisabledOrUnknownOwner_ThrowsAndStoresNothing()
    {
        await Disable(_ada);

        await Assert.ThrowsAsync<ArgumentException>(() => _tokens.CreateAsync(_ada.Id, new CreateApiTokenRequest("n8n", null), _ada.Upn));
        await Assert.ThrowsAsync<ArgumentException>(() => _tokens.CreateAsync(Guid.NewGuid(), new CreateApiTokenRequest("n8n", null), _ada.Upn));

        await using var db = _database.CreateDbContext();
        Assert.Empty(await db.ApiTokens.ToListAsync());
    }

    // ---- List

    [Fact]
    public async Task List_ForANonAdmin_ShowsOnlyTheirOwnTokens()
    {
        var adas = await _tokens.CreateAsync(_ada.Id, new CreateApiTokenRequest("ada-1", null), _ada.Upn);
        await _tokens.CreateAsync(_bob.Id, new CreateApiTokenRequest("bob-1", null), _bob.Upn);
        await _tokens.CreateAsync(_grace.Id, new CreateApiTokenRequest("grace-1", null), _grace.Upn);

        var rows = await _tokens.ListAsync(Ada);

        var row = Assert.Single(rows);
        Assert.Equal(adas.Token.Id, row.Id);
        Assert.Equal("ada@contoso.com", row.OwnerUpn);
        // Even when asking for someone else's.
        Assert.Empty(await _tokens.ListAsync(Ada, ownerUpn: "bob@contoso.com"));
    }

    [Fact]
    public async Task List_ForAGlobalAdmin_ShowsEveryonesTokensNewestFirst()
    {
        await _tokens.CreateAsync(_ada.Id, new CreateApiTokenRequest("ada-1", null), _ada.Upn);
        _time.Advance(TimeSpan.FromMinutes(1));
        await _tokens.CreateAsync(_bob.Id, new CreateApiTokenRequest("bob-1", null), _bob.Upn);
        _time.Advance(TimeSpan.FromMinutes(1));
        await _tokens.CreateAsync(_grace.Id, new CreateApiTokenRequest("grace-1", null), _grace.Upn);

        var rows = await _tokens.ListAsync(Grace);

        Assert.Equal(["grace-1", "bob-1", "ada-1"], rows.Select(r => r.Name));
        Assert.Equal(["grace@contoso.com", "bob@contoso.com", "ada@contoso.com"], rows.Select(r => r.OwnerUpn));
    }

    [Theory]
    [InlineData("bob@contoso.com")]
    [InlineData("BOB")]
    [InlineData(" bob@Contoso.com ")]
    public async Task List_FilteredByOwner_ShowsOnlyThatOwnersTokens(string owner)
    {
        await _tokens.CreateAsync(_ada.Id, new CreateApiTokenRequest("ada-1", null), _ada.Upn);
        await _tokens.CreateAsync(_bob.Id, new CreateApiTokenRequest("bob-1", null), _bob.Upn);
        await _tokens.CreateAsync(_bob.Id, new CreateApiTokenRequest("bob-2", null), _bob.Upn);

        var rows = await _tokens.ListAsync(Grace, ownerUpn: owner);

        Assert.Equal(["bob-1", "bob-2"], rows.Select(r => r.Name).Order());
        Assert.All(rows, r => Assert.Equal(_bob.Id, r.OwnerId));
    }

    [Fact]
    public async Task List_FilteredByStatus_ShowsOnlyTokensInThatStatus()
    {
        await _tokens.CreateAsync(_ada.Id, new CreateApiTokenRequest("generated", null), _ada.Upn);
        var active = await _tokens.CreateAsync(_ada.Id, new CreateApiTokenRequest("active", null), _ada.Upn);
        var inactive = await _tokens.CreateAsync(_ada.Id, new CreateApiTokenRequest("inactive", null), _ada.Upn);
        await _tokens.CreateAsync(_ada.Id, new CreateApiTokenRequest("expired", 1), _ada.Upn);
        var revoked = await _tokens.CreateAsync(_ada.Id, new CreateApiTokenRequest("revoked", null), _ada.Upn);
        Assert.True((await _tokens.AuthenticateAsync(inactive.Value, null)).Succeeded);
        await _tokens.RevokeAsync(revoked.Token.Id, Ada);
        _time.Advance(TimeSpan.FromDays(8));
        Assert.True((await _tokens.AuthenticateAsync(active.Value, null)).Succeeded);

        Assert.Equal(["generated"], Names(await _tokens.ListAsync(Ada, ApiTokenStatus.Generated)));
        Assert.Equal(["active"], Names(await _tokens.ListAsync(Ada, ApiTokenStatus.Active)));
        Assert.Equal(["inactive"], Names(await _tokens.ListAsync(Ada, ApiTokenStatus.Inactive)));
        Assert.Equal(["expired"], Names(await _tokens.ListAsync(Ada, ApiTokenStatus.Expired)));
        Assert.Equal(["revoked"], Names(await _tokens.ListAsync(Ada, ApiTokenStatus.Revoked)));
        Assert.Equal(5, (await _tokens.ListAsync(Ada)).Count);
    }

    [Fact]
    public async Task List_FilteredByStatusAndOwner_AppliesBoth()
    {
        var adas = await _tokens.CreateAsync(_ada.Id, new CreateApiTokenRequest("ada-1", null), _ada.Upn);
        await _tokens.CreateAsync(_ada.Id, new CreateApiTokenRequest("ada-2", null), _ada.Upn);
        var bobs = await _tokens.CreateAsync(_bob.Id, new CreateApiTokenRequest("bob-1", null), _bob.Upn);
        await _tokens.RevokeAsync(adas.Token.Id, Grace);
        await _tokens.RevokeAsync(bobs.Token.Id, Grace);

        var rows = await _tokens.ListAsync(Grace, ApiTokenStatus.Revoked, "ada@contoso.com");

        Assert.Equal(["ada-1"], Names(rows));
    }

    // ---- Revoke

    [Fact]
    public async Task Revoke_ByTheOwner_RevokesAtOnceAndAuditsNameAndPrefixButNotTheValue()
    {
        var created = await _tokens.CreateAsync(_ada.Id, new CreateApiTokenRequest("n8n", null), _ada.Upn);
        _time.Advance(TimeSpan.FromMinutes(5));

        Assert.True(await _tokens.RevokeAsync(created.Token.Id, Ada));

        await using var db = _database.CreateDbContext();
        Assert.Equal(_time.GetUtcNow(), (await db.ApiTokens.SingleAsync()).RevokedAt);
        var entry = await db.AuditEntries.SingleAsync(e => e.Action == AuditActions.ApiTokenRevoked);
        Assert.Equal("ada@contoso.com", entry.Actor);
        Assert.Equal(_time.GetUtcNow(), entry.At);
        Assert.Equal(created.Token.Id.ToString(), entry.TargetId);
        Assert.Contains("name=n8n", entry.Details);
        Assert.Contains($"prefix={created.Token.Prefix}", entry.Details);
        Assert.DoesNotContain(created.Value, $"{entry.Details}{entry.TargetId}{entry.Actor}");
        Assert.Equal(ApiTokenStatus.Revoked, (await _tokens.ListAsync(Ada)).Single().Status);
    }

    [Theory]
    [InlineData(false)]   // another non-admin user
    [InlineData(true)]    // someone claiming to be the owner's name but with another id
    public async Task Revoke_ByANonOwnerNonAdmin_ReturnsFalseAndChangesNothing(bool sameUpnOtherId)
    {
        var created = await _tokens.CreateAsync(_ada.Id, new CreateApiTokenRequest("n8n", null), _ada.Upn);
        var intruder = sameUpnOtherId ? new ApiTokenViewer(Guid.NewGuid(), _ada.Upn, false) : Bob;

        Assert.False(await _tokens.RevokeAsync(created.Token.Id, intruder));

        await using var db = _database.CreateDbContext();
        Assert.Null((await db.ApiTokens.SingleAsync()).RevokedAt);
        Assert.DoesNotContain(await db.AuditEntries.ToListAsync(), e => e.Action == AuditActions.ApiTokenRevoked);
        Assert.True((await _tokens.AuthenticateAsync(created.Value, null)).Succeeded);
    }

    [Fact]
    public async Task Revoke_ByAGlobalAdmin_OfSomeoneElsesToken_RevokesItAndAuditsTheAdmin()
    {
        var created = await _tokens.CreateAsync(_ada.Id, new CreateApiTokenRequest("n8n", null), _ada.Upn);

        Assert.True(await _tokens.RevokeAsync(created.Token.Id, Grace));

        await using var db = _database.CreateDbContext();
        Assert.NotNull((await db.ApiTokens.SingleAsync()).RevokedAt);
        var entry = await db.AuditEntries.SingleAsync(e => e.Action == AuditActions.ApiTokenRevoked);
        Assert.Equal("grace@contoso.com", entry.Actor);
        Assert.Contains("owner=ada@contoso.com", entry.Details);
    }

    [Fact]
    public async Task Revoke_ASecondTime_ReturnsFalseAndKeepsTheFirstRevocation()
    {
        var created = await _tokens.CreateAsync(_ada.Id, new CreateApiTokenRequest("n8n", null), _ada.Upn);
        Assert.True(await _tokens.RevokeAsync(created.Token.Id, Ada));
        var revokedAt = _time.GetUtcNow();
        _time.Advance(TimeSpan.FromHours(1));

        Assert.False(await _tokens.RevokeAsync(created.Token.Id, Grace));

        await using var db = _database.CreateDbContext();
        Assert.Equal(revokedAt, (await db.ApiTokens.SingleAsync()).RevokedAt);
        Assert.Single(await db.AuditEntries.Where(e => e.Action == AuditActions.ApiTokenRevoked).ToListAsync());
    }

    [Fact]
    public async Task Revoke_AnUnknownToken_ReturnsFalse() =>
        Assert.False(await _tokens.RevokeAsync(Guid.NewGuid(), Grace));

    // ---- Authenticate

    [Theory]
    [InlineData("")]
    [InlineData("short")]
    [InlineData("Token")]
    [InlineData("this-has-dashes-and-is-long-enough-to-pass-the-length-check-of-64-characters")]
    public async Task Authenticate_AMalformedValue_IsMalformed(string value)
    {
        await _tokens.CreateAsync(_ada.Id, new CreateApiTokenRequest("n8n", null), _ada.Upn);

        var result = await _tokens.AuthenticateAsync(value, null);

        Assert.False(result.Succeeded);
        Assert.Equal(ApiTokenFailure.Malformed, result.Failure);
        Assert.Null(result.Owner);
    }

    [Fact]
    public async Task Authenticate_AValueOneCharacterTooShortOrTooLong_IsMalformed()
    {
        var created = await _tokens.CreateAsync(_ada.Id, new CreateApiTokenRequest("n8n", null), _ada.Upn);

        Assert.Equal(ApiTokenFailure.Malformed, (await _tokens.AuthenticateAsync(created.Value[..63], null)).Failure);
        Assert.Equal(ApiTokenFailure.Malformed, (await _tokens.AuthenticateAsync(string.Concat(Enumerable.Repeat(created.Value, 4))[..193], null)).Failure);
        Assert.Equal(ApiTokenFailure.Malformed, (await _tokens.AuthenticateAsync(new string('a', 10_240), null)).Failure);
    }

    [Fact]
    public async Task Authenticate_TheValueWithNonAsciiText_IsMalformed()
    {
        var created = await _tokens.CreateAsync(_ada.Id, new CreateApiTokenRequest("n8n", null), _ada.Upn);

        var result = await _tokens.AuthenticateAsync(created.Value[..^1] + "é", null);

        Assert.Equal(ApiTokenFailure.Malformed, result.Failure);
    }

    [Fact]
    public async Task Authenticate_AWellFormedButUnknownValue_IsUnknown()
    {
        var created = await _tokens.CreateAsync(_ada.Id, new CreateApiTokenRequest("n8n", null), _ada.Upn);

        Assert.Equal(ApiTokenFailure.Unknown, (await _tokens.AuthenticateAsync(ApiTokenValues.Generate(), null)).Failure);
        // Same prefix, different rest: the prefix alone identifies nothing.
        Assert.Equal(ApiTokenFailure.Unknown, (await _tokens.AuthenticateAsync(created.Value[..8] + ApiTokenValues.Generate()[8..], null)).Failure);
        // Longer than the real one, starting with it.
        Assert.Equal(ApiTokenFailure.Unknown, (await _tokens.AuthenticateAsync(created.Value + "==", null)).Failure);
    }

    [Fact]
    public async Task Authenticate_ARevokedToken_IsRevokedAndAuditedAsUsedAfterRevocation()
    {
        var created = await _tokens.CreateAsync(_ada.Id, new CreateApiTokenRequest("n8n", null), _ada.Upn);
        await _tokens.RevokeAsync(created.Token.Id, Ada);
        _time.Advance(TimeSpan.FromHours(1));

        var result = await _tokens.AuthenticateAsync(created.Value, "203.0.113.7");

        Assert.False(result.Succeeded);
        Assert.Equal(ApiTokenFailure.Revoked, result.Failure);
        await using var db = _database.CreateDbContext();
        var entry = await db.AuditEntries.SingleAsync(e => e.Action == AuditActions.ApiTokenUsedAfterRevocation);
        Assert.Equal(_time.GetUtcNow(), entry.At);
        Assert.Equal("203.0.113.7", entry.ClientAddress);
        Assert.Equal(created.Token.Id.ToString(), entry.TargetId);
        Assert.Contains("name=n8n", entry.Details);
        Assert.Contains($"prefix={created.Token.Prefix}", entry.Details);
        Assert.DoesNotContain(created.Value, $"{entry.Details}{entry.TargetId}{entry.Actor}{entry.ClientAddress}");
        Assert.Null((await db.ApiTokens.SingleAsync()).LastUsedAt);
    }

    [Fact]
    public async Task Authenticate_ATokenAtOrAfterItsExpiry_IsExpired()
    {
        var created = await _tokens.CreateAsync(_ada.Id, new CreateApiTokenRequest("n8n", 1), _ada.Upn);
        _time.Advance(TimeSpan.FromDays(1) - TimeSpan.FromSeconds(1));
        Assert.True((await _tokens.AuthenticateAsync(created.Value, null)).Succeeded);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(ApiTokenFailure.Expired, (await _tokens.AuthenticateAsync(created.Value, null)).Failure);

        _time.Advance(TimeSpan.FromDays(365));
        Assert.Equal(ApiTokenFailure.Expired, (await _tokens.AuthenticateAsync(created.Value, null)).Failure);
    }

    [Fact]
    public async Task Authenticate_ARevokedAndExpiredToken_IsRevoked()
    {
        var created = await _tokens.CreateAsync(_ada.Id, new CreateApiTokenRequest("n8n", 1), _ada.Upn);
        await _tokens.RevokeAsync(created.Token.Id, Ada);
        _time.Advance(TimeSpan.FromDays(2));

        Assert.Equal(ApiTokenFailure.Revoked, (await _tokens.AuthenticateAsync(created.Value, null)).Failure);
    }

    [Fact]
    public async Task Authenticate_ATokenOfADisabledOwner_IsOwnerDisabledAndNotMarkedUsed()
    {
        var created = await _tokens.CreateAsync(_ada.Id, new CreateApiTokenRequest("n8n", null), _ada.Upn);
        await Disable(_ada);

        var result = await _tokens.AuthenticateAsync(created.Value, null);

        Assert.False(result.Succeeded);
        Assert.Equal(ApiTokenFailure.OwnerDisabled, result.Failure);
        await using var db = _database.CreateDbContext();
        Assert.Null((await db.ApiTokens.SingleAsync()).LastUsedAt);
    }

    [Fact]
    public async Task Authenticate_ATokenOfARemovedOwner_Fails()
    {
        var created = await _tokens.CreateAsync(_ada.Id, new CreateApiTokenRequest("n8n", null), _ada.Upn);
        await using (var db = _database.CreateDbContext())
            await db.Users.Where(u => u.Id == _ada.Id).ExecuteDeleteAsync();

        var result = await _tokens.AuthenticateAsync(created.Value, null);

        Assert.False(result.Succeeded);
        Assert.Contains(result.Failure, new ApiTokenFailure?[] { ApiTokenFailure.Unknown, ApiTokenFailure.OwnerDisabled });
    }

    [Fact]
    public async Task Authenticate_AValidToken_ReturnsTheOwnerWithTheirCurrentRole()
    {
        var created = await _tokens.CreateAsync(_ada.Id, new CreateApiTokenRequest("n8n", null), _ada.Upn);
        var first = await _tokens.AuthenticateAsync(created.Value, null);
        Assert.True(first.Succeeded);
        Assert.Equal(PortalRole.SecurityReader, first.Owner?.Role);

        // Promoted after the token was made: the token acts with the new role, not a copy taken at creation.
        await _users.AddOrUpdateAsync("ada@contoso.com", PortalRole.GlobalAdmin, "grace@contoso.com");
        var promoted = await _tokens.AuthenticateAsync(created.Value, null);

        Assert.True(promoted.Succeeded);
        Assert.Null(promoted.Failure);
        Assert.Equal(_ada.Id, promoted.Owner?.Id);
        Assert.Equal("ada@contoso.com", promoted.Owner?.Upn);
        Assert.Equal(PortalRole.GlobalAdmin, promoted.Owner?.Role);
        Assert.Equal(created.Token.Id, promoted.Token?.Id);

        await _users.AddOrUpdateAsync("ada@contoso.com", PortalRole.SecurityReader, "grace@contoso.com");
        Assert.Equal(PortalRole.SecurityReader, (await _tokens.AuthenticateAsync(created.Value, null)).Owner?.Role);
    }

    [Fact]
    public async Task Authenticate_WritesLastUsedAtMostOncePerMinute()
    {
        var created = await _tokens.CreateAsync(_ada.Id, new CreateApiTokenRequest("n8n", null), _ada.Upn);
        _time.Advance(TimeSpan.FromMinutes(10));
        var firstUse = _time.GetUtcNow();

        Assert.True((await _tokens.AuthenticateAsync(created.Value, null)).Succeeded);
        Assert.Equal(firstUse, await LastUsedAt());

        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.True((await _tokens.AuthenticateAsync(created.Value, null)).Succeeded);
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.True((await _tokens.AuthenticateAsync(created.Value, null)).Succeeded);
        Assert.Equal(firstUse, await LastUsedAt());

        _time.Advance(TimeSpan.FromSeconds(1));   // a full minute after the write
        Assert.True((await _tokens.AuthenticateAsync(created.Value, null)).Succeeded);
        Assert.Equal(firstUse.AddMinutes(1), await LastUsedAt());

        Assert.Equal(ApiTokenStatus.Active, (await _tokens.ListAsync(Ada)).Single().Status);
    }

    [Fact]
    public async Task Authenticate_ManyTimesWithinAMinute_TouchesOnlyLastUsed()
    {
        var created = await _tokens.CreateAsync(_ada.Id, new CreateApiTokenRequest("n8n", null), _ada.Upn);
        var before = await _database.RawValuesAsync("ApiTokens");

        for (var i = 0; i < 20; i++)
            Assert.True((await _tokens.AuthenticateAsync(created.Value, null)).Succeeded);

        var after = await _database.RawValuesAsync("ApiTokens");
        Assert.Equal(before.Count, after.Count);
        Assert.Single(before.Zip(after), pair => pair.First != pair.Second);
        await using var db = _database.CreateDbContext();
        Assert.DoesNotContain(await db.AuditEntries.ToListAsync(), e => e.Action == AuditActions.ApiTokenUsedAfterRevocation);
    }

    private async Task<DateTimeOffset?> LastUsedAt()
    {
        await using var db = _database.CreateDbContext();
        return (await db.ApiTokens.SingleAsync()).LastUsedAt;
    }

    private async Task Disable(User user)
    {
        await using var db = _database.CreateDbContext();
        await db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(set => set.SetProperty(u => u.IsDisabled, true));
    }

    private static IEnumerable<string> Names(IEnumerable<ApiTokenRow> rows) => rows.Select(r => r.Name);
}
