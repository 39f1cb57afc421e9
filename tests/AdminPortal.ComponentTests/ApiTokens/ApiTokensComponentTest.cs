using AdminPortal.Core.Data;
using AdminPortal.Testing;
using AdminPortal.Core.Features.ApiTokens;
using AdminPortal.Core.Features.Users;
using AdminPortal.Web.Auth;
using AdminPortal.Web.Features.ApiTokens;
using AdminPortal.Web.Hosting;
using AngleSharp.Dom;
using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MudBlazor;

namespace AdminPortal.ComponentTests.ApiTokens;

/// <summary>
/// The API tokens tab with its real services over a migrated SQLite file in a temporary folder, a fake clock,
/// and the providers (dialogs, popovers, snackbars) rendered before the tab, as the layout does.
/// </summary>
public abstract class ApiTokensComponentTest : PortalComponentTest
{
    public const string PortalBaseUrl = "https://portal.contoso.com";

    private readonly TestDatabase _database = TestDatabase.Create();

    protected ApiTokensComponentTest()
    {
        Contexts = _database;
        Tokens = new ApiTokenService(Contexts, Time);
        Users = new UserService(Contexts, Time);

        Services.AddSingleton<TimeProvider>(Time);
        Services.AddSingleton<IDbContextFactory<PortalDbContext>>(Contexts);
        Services.AddSingleton(Tokens);
        Services.AddSingleton(Users);
        Services.AddSingleton(new SignInMode(IsEntra: false));
        Services.AddScoped<CurrentUser>();
        Services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        Services.AddSingleton(Options.Create(new PortalOptions { BaseUrl = PortalBaseUrl }));
        Services.AddSingleton<PortalUrls>();
    }

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 27, 9, 0, 0, TimeSpan.Zero));
    protected IDbContextFactory<PortalDbContext> Contexts { get; }
    protected ApiTokenService Tokens { get; }
    protected UserService Users { get; }

    protected IRenderedComponent<MudDialogProvider> DialogProvider { get; private set; } = null!;
    protected IRenderedComponent<MudPopoverProvider> PopoverProvider { get; private set; } = null!;
    protected IRenderedComponent<MudSnackbarProvider> SnackbarProvider { get; private set; } = null!;

    /// <summary>Signs in as an existing user with the given role and renders the tab after the providers.</summary>
    protected IRenderedComponent<ApiTokensTab> RenderTabAs(User user)
    {
        var authorization = AddPortalAuthorization();
        authorization.SetAuthorized(user.Upn);
        authorization.SetRoles(user.Role.ToString());
        UseInteractiveServer();
        PopoverProvider = Render<MudPopoverProvider>();
        DialogProvider = Render<MudDialogProvider>();
        SnackbarProvider = Render<MudSnackbarProvider>();
        var tab = Render<ApiTokensTab>();
        tab.WaitForAssertion(() => Assert.Empty(tab.FindAll(".mud-table-loading")));
        return tab;
    }

    /// <summary>The grid's rows, as (name, owner, status) read from the cells.</summary>
    protected static IReadOnlyList<(string Name, string Owner, string Status)> Rows(IRenderedComponent<ApiTokensTab> tab) =>
        tab.FindAll("[data-testid=token-grid] tbody tr")
            .Where(row => row.QuerySelector("td[data-label=Owner]") is not null)
            .Select(row => (
                Name: FirstText(row.QuerySelector("td[data-label=Name]")!),
                Owner: row.QuerySelector("td[data-label=Owner]")!.TextContent.Trim(),
                Status: row.QuerySelector("[data-testid=token-status]")!.TextContent.Trim()))
            .ToList();

    /// <summary>All markup the user could see: the tab and every provider (dialogs, popovers, snackbars).</summary>
    protected string AllMarkup(IRenderedComponent<ApiTokensTab> tab) =>
        string.Concat(tab.Markup, DialogProvider.Markup, PopoverProvider.Markup, SnackbarProvider.Markup);

    /// <summary>The name cell also holds the prefix caption: the name is its first text.</summary>
    private static string FirstText(IElement cell) =>
        cell.ChildNodes.Where(n => n.NodeType == NodeType.Text).Select(n => n.TextContent.Trim()).FirstOrDefault(t => t.Length > 0) ?? "";

    protected override async ValueTask DisposeAsyncCore()
    {
        await base.DisposeAsyncCore();
        await _database.DisposeAsync();
    }
}
