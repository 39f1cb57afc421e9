using AdminPortal.Testing;
using System.Security.Cryptography;
using System.Text;
using AdminPortal.Core.Data;
using AdminPortal.Core.Features.Audit;
using AdminPortal.Core.Features.Users;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace AdminPortal.UnitTests.Users;

/// <summary>The user service against a real, migrated SQLite file in a temporary folder.</summary>
public sealed class UserServiceTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 9, 0, 0, TimeSpan.Zero));
    private TestDatabase _contexts = null!;
    private UserService _users = null!;

    public async Task InitializeAsync()
    {
        _contexts = await TestDatabase.CreateAsync();
        _users = new UserService(_contexts, _time);
    }

    public async Task DisposeAsync() => await _contexts.DisposeAsync();

    [Fact]
    public async Task RedeemSignInLink_ForAFreshLink_ReturnsTheUserAndRecordsTheSignIn()
    {
        var ada = await _users.AddOrUpdateAsync("ada@contoso.com", PortalRole.SecurityOperator, "test");
        var secret = await _users.CreateSignInLinkAsync("ada@contoso.com");
        _time.Advance(TimeSpan.FromMinutes(1));

        var user = await _users.RedeemSignInLinkAsync(secret, "127.0.0.1");

        Assert.NotNull(user);
        Assert.Equal(ada.Id, user.Id);
        Assert.Equal(PortalRole.SecurityOperator, user.Role);
        Assert.Equal(_time.GetUtcNow(), (await _users.FindAsync(ada.Id))!.LastSignInAt);
        await using var db = _contexts.CreateDbContext();
        Assert.Contains(await db.AuditEntries.ToListAsync(), e => e.Action == AuditActions.SignIn && e.Actor == "ada@contoso.com" && e.ClientAddress == "127.0.0.1");
    }

    [Fact]
    public async Task RedeemSignInLink_ASecondTime_IsRefused()
    {
        await _users.AddOrUpdateAsync("ada@contoso.com", PortalRole.SecurityReader, "test");
        var secret = await _users.CreateSignInLinkAsync("ada@contoso.com");
        Assert.NotNull(await _users.RedeemSignInLinkAsync(secret, null));

        var second = await _users.RedeemSignInLinkAsync(secret, null);

        Assert.Null(second);
        await using var db = _contexts.CreateDbContext();
        Assert.Contains(await db.AuditEntries.ToListAsync(), e => e.Action == AuditActions.SignInLinkRefused && e.Details == "already used");
    }

    [Fact]
    public async Task RedeemSignInLink_JustBeforeFifteenMinutes_Succeeds()
    {
        await _users.AddOrUpdateAsync("ada@contoso.com", PortalRole.SecurityReader, "test");
        var secret = await _users.CreateSignInLinkAsync("ada@contoso.com");
        _time.Advance(TimeSpan.FromMinutes(15) - TimeSpan.FromSeconds(1));

        Assert.NotNull(await _users.RedeemSignInLinkAsync(secret, null));
    }

    [Fact]
    public async Task RedeemSignInLink_AfterFifteenMinutes_IsRefusedAsExpired()
    {
        await _users.AddOrUpdateAsync("ada@contoso.com", PortalRole.SecurityReader, "test");
        var secret = await _users.CreateSignInLinkAsync("ada@contoso.com");
        _time.Advance(TimeSpan.FromMinutes(15));

        var user = await _users.RedeemSignInLinkAsync(secret, null);

        Assert.Null(user);
        await using var db = _contexts.CreateDbContext();
        Assert.Contains(await db.AuditEntries.ToListAsync(), e => e.Action == AuditActions.SignInLinkRefused && e.Details == "expired");
        Assert.Null((await db.SignInLinks.SingleAsync()).UsedAt);
    }

    [Fact]
    public async Task RedeemSignInLink_OfAUserDisabledAfterTheLinkWasIssued_IsRefused()
    {
        var ada = await _users.AddOrUpdateAsync("ada@contoso.com", PortalRole.GlobalAdmin, "test");
        var secret = await _users.CreateSignInLinkAsync("ada@contoso.com");
        await using (var db = _contexts.CreateDbContext())
            await db.Users.Where(u => u.Id == ada.Id).ExecuteUpdateAsync(set => set.SetProperty(u => u.IsDisabled, true));

        Assert.Null(await _users.RedeemSignInLinkAsync(secret, null));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-a-link")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task RedeemSignInLink_WithAnUnknownSecret_IsRefused(string secret)
    {
        await _users.AddOrUpdateAsync("ada@contoso.com", PortalRole.SecurityReader, "test");
        await _users.CreateSignInLinkAsync("ada@contoso.com");

        Assert.Null(await _users.RedeemSignInLinkAsync(secret, null));
    }

    [Fact]
    public async Task RedeemSignInLink_WithAnOverlongSecret_IsRefused()
    {
        await _users.AddOrUpdateAsync("ada@contoso.com", PortalRole.SecurityReader, "test");
        var secret = await _users.CreateSignInLinkAsync("ada@contoso.com");

        Assert.Null(await _users.RedeemSignInLinkAsync(secret + new string('A', 100), null));
    }

    [Fact]
    public async Task CreateSignInLink_ForADisabledUser_Throws()
    {
        var ada = await _users.AddOrUpdateAsync("ada@contoso.com", PortalRole.GlobalAdmin, "test");
        await using (var db = _contexts.CreateDbContext())
            await db.Users.Where(u => u.Id == ada.Id).ExecuteUpdateAsync(set => set.SetProperty(u => u.IsDisabled, true));

        var failure = await Assert.ThrowsAsync<ArgumentException>(() => _users.CreateSignInLinkAsync("ada@contoso.com"));

        Assert.Contains("disabled", failure.Message);
        await using var check = _contexts.CreateDbContext();
        Assert.Empty(await check.SignInLinks.ToListAsync());
    }

    [Fact]
    public async Task CreateSignInLink_ForAnUnknownUpn_ThrowsArgumentException()
    {
        await _users.AddOrUpdateAsync("ada@contoso.com", PortalRole.GlobalAdmin, "test");

        var failure = await Assert.ThrowsAsync<ArgumentException>(() => _users.CreateSignInLinkAsync("grace@contoso.com"));

        Assert.Contains("grace@contoso.com", failure.Message);
    }

    [Fact]
    public async Task CreateSignInLink_FindsTheUserWhateverTheCaseAndSpacesOfTheUpn()
    {
        await _users.AddOrUpdateAsync("Ada@Contoso.com", PortalRole.SecurityReader, "test");
        var secret = await _users.CreateSignInLinkAsync("  ADA@contoso.COM ");

        var user = await _users.RedeemSignInLinkAsync(secret, null);

        Assert.Equal("ada@contoso.com", user?.Upn);
    }

    [Fact]
    public async Task CreateSignInLink_StoresOnlyTheHashOfTheSecret()
    {
        await _users.AddOrUpdateAsync("ada@contoso.com", PortalRole.GlobalAdmin, "test");

        var secret = await _users.CreateSignInLinkAsync("ada@contoso.com");

        Assert.True(secret.Length >= 40, "a link secret carries at least 240 bits");
        await using var db = _contexts.CreateDbContext();
        var link = await db.SignInLinks.SingleAsync();
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(secret)), link.SecretHash);
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromMinutes(15), link.ExpiresAt);

        // Every column of the stored row, as the database holds it: none carries the secret.
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT * FROM SignInLinks";
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        for (var column = 0; column < reader.FieldCount; column++)
        {
            var stored = reader.GetValue(column) switch
            {
                byte[] bytes => Encoding.UTF8.GetString(bytes) + Convert.ToBase64String(bytes),
                var value => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "",
            };
            Assert.DoesNotContain(secret, stored);
        }
        Assert.DoesNotContain(await db.AuditEntries.ToListAsync(), e => $"{e.Details}{e.TargetId}".Contains(secret));
    }

    [Fact]
    public async Task CreateSignInLink_EachTime_GivesADifferentSecret()
    {
        await _users.AddOrUpdateAsync("ada@contoso.com", PortalRole.GlobalAdmin, "test");

        var first = await _users.CreateSignInLinkAsync("ada@contoso.com");
        var second = await _users.CreateSignInLinkAsync("ada@contoso.com");

        Assert.NotEqual(first, second);
        Assert.NotNull(await _users.RedeemSignInLinkAsync(first, null));
        Assert.NotNull(await _users.RedeemSignInLinkAsync(second, null));
    }

    [Theory]
    [InlineData("")]
    [InlineData("ada")]
    [InlineData("@contoso.com")]
    [InlineData("ada@")]
    [InlineData("ada lovelace@contoso.com")]
    [InlineData("ada\u0001@contoso.com")]
    public async Task AddOrUpdate_WithAnInvalidUpn_ThrowsAndAddsNoUser(string upn)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _users.AddOrUpdateAsync(upn, PortalRole.GlobalAdmin, "test"));

        await using var db = _contexts.CreateDbContext();
        Assert.Empty(await db.Users.ToListAsync());
    }

    [Fact]
    public async Task AddOrUpdate_WithAnUpnLongerThan256Characters_Throws() =>
        await Assert.ThrowsAsync<ArgumentException>(() => _users.AddOrUpdateAsync(new string('a', 250) + "@contoso.com", PortalRole.GlobalAdmin, "test"));

    [Fact]
    public async Task AddOrUpdate_ForAnExistingUser_ChangesTheRoleAndEnablesThem()
    {
        var ada = await _users.AddOrUpdateAsync("ada@contoso.com", PortalRole.GlobalAdmin, "test");
        await using (var db = _contexts.CreateDbContext())
            await db.Users.Where(u => u.Id == ada.Id).ExecuteUpdateAsync(set => set.SetProperty(u => u.IsDisabled, true));

        await _users.AddOrUpdateAsync("ADA@contoso.com", PortalRole.SecurityReader, "test");

        var user = await _users.FindAsync("ada@contoso.com");
        Assert.Equal(ada.Id, user?.Id);
        Assert.Equal(PortalRole.SecurityReader, user?.Role);
        Assert.False(user?.IsDisabled);
    }

    [Fact]
    public async Task RecordEntraSignIn_ForANewUserWithRoles_CreatesThemWithTheHighestRole()
    {
        await _users.RecordEntraSignInAsync("Grace@Contoso.com", "Grace Hopper", "oid-grace",
            ["SecurityReader", "GlobalAdmin", "SecurityOperator", "SomeOtherAppRole"], "10.1.2.3");

        var grace = await _users.FindAsync("grace@contoso.com");
        Assert.NotNull(grace);
        Assert.Equal(PortalRole.GlobalAdmin, grace.Role);
        Assert.Equal(UserSource.EntraId, grace.Source);
        Assert.Equal("Grace Hopper", grace.DisplayName);
        Assert.Equal("oid-grace", grace.ExternalObjectId);
        Assert.False(grace.IsDisabled);
        Assert.Equal(_time.GetUtcNow(), grace.CreatedAt);
        Assert.Equal(_time.GetUtcNow(), grace.LastSignInAt);
    }

    [Fact]
    public async Task RecordEntraSignIn_ForAKnownUser_UpdatesRoleNameUpnAndLastSignIn()
    {
        await _users.RecordEntraSignInAsync("grace@contoso.com", "Grace Hopper", "oid-grace", ["GlobalAdmin"], null);
        var created = (await _users.FindAsync("grace@contoso.com"))!;
        _time.Advance(TimeSpan.FromDays(1));

        await _users.RecordEntraSignInAsync("grace.hopper@contoso.com", "Rear Admiral Hopper", "oid-grace", ["SecurityReader"], null);

        await using var db = _contexts.CreateDbContext();
        var grace = Assert.Single(await db.Users.ToListAsync());
        Assert.Equal(created.Id, grace.Id);
        Assert.Equal("grace.hopper@contoso.com", grace.Upn);
        Assert.Equal("Rear Admiral Hopper", grace.DisplayName);
        Assert.Equal(PortalRole.SecurityReader, grace.Role);
        Assert.False(grace.IsDisabled);
        Assert.Equal(created.CreatedAt, grace.CreatedAt);
        Assert.Equal(_time.GetUtcNow(), grace.LastSignInAt);
    }

    [Fact]
    public async Task RecordEntraSignIn_WhenTheUpnPassedToSomeoneElse_KeepsBothAccountsApart()
    {
        await _users.RecordEntraSignInAsync("alex@contoso.com", "Alex One", "oid-alex-1", ["GlobalAdmin"], null);
        var first = (await _users.FindAsync("alex@contoso.com"))!;

        // A different person (another object id) now holds the same UPN.
        await _users.RecordEntraSignInAsync("alex@contoso.com", "Alex Two", "oid-alex-2", ["SecurityReader"], null);

        await using var db = _contexts.CreateDbContext();
        var users = await db.Users.OrderBy(u => u.CreatedAt).ThenBy(u => u.ExternalObjectId).ToListAsync();
        Assert.Equal(2, users.Count);
        var previous = users.Single(u => u.ExternalObjectId == "oid-alex-1");
        var current = users.Single(u => u.ExternalObjectId == "oid-alex-2");
        Assert.Equal(first.Id, previous.Id);
        Assert.True(previous.IsDisabled);
        Assert.NotEqual("alex@contoso.com", previous.Upn);
        Assert.Equal("alex@contoso.com", current.Upn);
        Assert.Equal(PortalRole.SecurityReader, current.Role);
        Assert.False(current.IsDisabled);
    }

    [Fact]
    public async Task RecordEntraSignIn_ForALocalUserWithTheSameUpn_TakesItOverAsAnEntraUser()
    {
        var local = await _users.AddOrUpdateAsync("dana@contoso.com", PortalRole.SecurityReader, "test");

        await _users.RecordEntraSignInAsync("dana@contoso.com", "Dana", "oid-dana", ["SecurityOperator"], null);

        var dana = (await _users.FindAsync("dana@contoso.com"))!;
        Assert.Equal(local.Id, dana.Id);
        Assert.Equal(UserSource.EntraId, dana.Source);
        Assert.Equal("oid-dana", dana.ExternalObjectId);
    }

    [Fact]
    public async Task RecordEntraSignIn_WhenTheUserNoLongerHasARole_DisablesThem()
    {
        await _users.RecordEntraSignInAsync("grace@contoso.com", "Grace Hopper", "oid-grace", ["SecurityOperator"], null);

        await _users.RecordEntraSignInAsync("grace@contoso.com", "Grace Hopper", "oid-grace", [], null);

        var grace = await _users.FindAsync("grace@contoso.com");
        Assert.True(grace?.IsDisabled);
        await Assert.ThrowsAsync<ArgumentException>(() => _users.CreateSignInLinkAsync("grace@contoso.com"));
    }

    [Fact]
    public async Task RecordEntraSignIn_WhenADisabledUserGetsARoleBack_EnablesThem()
    {
        await _users.RecordEntraSignInAsync("grace@contoso.com", "Grace Hopper", "oid-grace", ["SecurityOperator"], null);
        await _users.RecordEntraSignInAsync("grace@contoso.com", "Grace Hopper", "oid-grace", ["NotAPortalRole"], null);

        await _users.RecordEntraSignInAsync("grace@contoso.com", "Grace Hopper", "oid-grace", ["SecurityReader"], null);

        var grace = await _users.FindAsync("grace@contoso.com");
        Assert.False(grace?.IsDisabled);
        Assert.Equal(PortalRole.SecurityReader, grace?.Role);
    }

    [Theory]
    [InlineData("")]
    [InlineData("SomeOtherAppRole")]
    [InlineData("2")]
    [InlineData("Admin;Reader")]
    public async Task RecordEntraSignIn_ForANewUserWithoutAPortalRole_CreatesNoUser(string roles)
    {
        await _users.RecordEntraSignInAsync("mallory@contoso.com", "Mallory", "oid-mallory", roles.Split(';', StringSplitOptions.RemoveEmptyEntries), null);

        await using var db = _contexts.CreateDbContext();
        Assert.Empty(await db.Users.ToListAsync());
    }

}
