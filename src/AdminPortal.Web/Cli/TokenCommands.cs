using System.CommandLine;
using AdminPortal.Core.Features.ApiTokens;
using AdminPortal.Core.Features.Users;

namespace AdminPortal.Web.Cli;

/// <summary><c>token create|list|revoke</c>: what the API tokens tab does, for scripts.</summary>
public static class TokenCommands
{
    public static Command Create(Func<ParseResult, Func<IServiceProvider, Task>, Task<int>> withHost)
    {
        var user = new Option<string>("--user") { Description = "The owner's UPN", Required = true };
        var name = new Option<string>("--name") { Description = "A name to tell the token apart", Required = true };
        var expiresDays = new Option<int?>("--expires-days") { Description = "Days until it expires (default: never)" };
        var create = new Command("create", "Create a token and print only its value.") { user, name, expiresDays };
        create.SetAction((parse, cancellationToken) => withHost(parse, async services =>
        {
            var owner = await RequireUser(services, parse.GetValue(user)!, cancellationToken);
            var created = await services.GetRequiredService<ApiTokenService>()
                .CreateAsync(owner.Id, new CreateApiTokenRequest(parse.GetValue(name)!, parse.GetValue(expiresDays)), "cli", cancellationToken);
            // Only the value: scripts capture it with $(...).
            Console.WriteLine(created.Value);
        }));

        var listUser = new Option<string?>("--user") { Description = "Only this owner's tokens" };
        var list = new Command("list", "One line per token: id, name, owner, status, last used.") { listUser };
        list.SetAction((parse, cancellationToken) => withHost(parse, async services =>
        {
            var viewer = new ApiTokenViewer(Guid.Empty, "cli", IsGlobalAdmin: true);
            var rows = await services.GetRequiredService<ApiTokenService>().ListAsync(viewer, ownerUpn: null, cancellationToken: cancellationToken);
            var only = parse.GetValue(listUser) is { } upn ? UserService.NormalizeUpn(upn) : null;
            foreach (var row in rows.Where(r => only is null || r.OwnerUpn == only))
                Console.WriteLine($"{row.Id}\t{row.Name}\t{row.OwnerUpn}\t{row.Status}\t{row.LastUsedAt?.ToString("u") ?? "never"}");
        }));

        var id = new Option<Guid>("--id") { Description = "The token's id (from token list)", Required = true };
        var revoke = new Command("revoke", "Revoke a token; calls with it fail at once.") { id };
        revoke.SetAction((parse, cancellationToken) => withHost(parse, async services =>
        {
            var revoked = await services.GetRequiredService<ApiTokenService>()
                .RevokeAsync(parse.GetValue(id), new ApiTokenViewer(Guid.Empty, "cli", IsGlobalAdmin: true), cancellationToken);
            if (!revoked)
                throw new ArgumentException($"No active token with id {parse.GetValue(id)}.");
            Console.WriteLine($"Revoked {parse.GetValue(id)}.");
        }));

        return new Command("token", "Manage API tokens.") { create, list, revoke };
    }

    private static async Task<User> RequireUser(IServiceProvider services, string upn, CancellationToken cancellationToken) =>
        await services.GetRequiredService<UserService>().FindAsync(upn, cancellationToken)
            ?? throw new ArgumentException($"No user '{upn}'. Add one with: user add --upn {upn} --role SecurityReader");
}
