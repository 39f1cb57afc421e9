using AdminPortal.Core.Data;
using AdminPortal.Core.Features.Dispatch;
using AdminPortal.Core.Features.Playbooks;
using AdminPortal.Core.Features.Policies;
using AdminPortal.Core.Features.Users;
using AdminPortal.Testing;
using AdminPortal.Web.Auth;
using AdminPortal.Web.Features.Playbooks;
using AngleSharp.Dom;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MudBlazor;

namespace AdminPortal.ComponentTests.Playbooks;

/// <summary>
/// The playbooks tab with its real services (playbooks, policies, users) over a migrated SQLite file in a temporary
/// folder, a fake clock, and the providers (dialogs, popovers, snackbars) rendered before the tab, as the layout does.
/// </summary>
public abstract class PlaybooksComponentTest : PortalComponentTest
{
    private readonly TestDatabase _database = TestDatabase.Create();

    protected PlaybooksComponentTest()
    {
        Contexts = _database;
        Users = new UserService(Contexts, Time);
        Policies = new PolicyService(Contexts, Time);
        Secrets = new PlaybookSecrets(new EphemeralDataProtectionProvider());
        var dispatch = Options.Create(new DispatchOptions());
        Playbooks = new PlaybookService(Contexts, Secrets, dispatch, Time);

        Services.AddSingleton<TimeProvider>(Time);
        Services.AddSingleton<IDbContextFactory<PortalDbContext>>(Contexts);
        Services.AddSingleton(Users);
        Services.AddSingleton(Policies);
        Services.AddSingleton(Secrets);
        Services.AddSingleton(dispatch);
        Services.AddSingleton(Playbooks);
        Services.AddSingleton(new PlaybookTestAlerts(Contexts, Playbooks, Signal, new AdminPortal.Core.FixedPortalAddress("https://portal.contoso.com"), Time));
        Deliveries = new DeliveryService(Contexts, Playbooks, Signal, Time);
        Services.AddSingleton(Deliveries);
        Services.AddSingleton(new SignInMode(IsEntra: false));
        Services.AddScoped<CurrentUser>();
    }

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 27, 9, 0, 0, TimeSpan.Zero));
    protected IDbContextFactory<PortalDbContext> Contexts { get; }
    protected UserService Users { get; }
    protected PolicyService Policies { get; }
    protected PlaybookService Playbooks { get; }
    protected DeliveryService Deliveries { get; }
    /// <summary>What wakes the dispatcher; no dispatcher runs here, so queued deliveries stay queued for the test to read.</summary>
    protected DispatchSignal Signal { get; } = new();
    /// <summary>Reads what the database holds encrypted, to check that what a dialog showed is what was stored.</summary>
    protected PlaybookSecrets Secrets { get; }

    protected IRenderedComponent<MudDialogProvider> DialogProvider { get; private set; } = null!;
    protected IRenderedComponent<MudPopoverProvider> PopoverProvider { get; private set; } = null!;
    protected IRenderedComponent<MudSnackbarProvider> SnackbarProvider { get; private set; } = null!;

    protected static PlaybookViewer ViewerOf(User user) => new(user.Id, user.Upn, user.Role);

    /// <summary>A webhook playbook added by <paramref name="owner"/>, as the API would add it.</summary>
    protected async Task<PlaybookRow> AddPlaybookAsync(User owner, string name, string url = "https://hooks.example.com/flows/alerts?sig=k3y")
    {
        var created = await Playbooks.CreateWebhookAsync(ViewerOf(owner), new WebhookPlaybookDraft { Name = name, Url = url });
        return created.Playbook;
    }

    /// <summary>Signs in as an existing user with their role and renders the providers; once per test.</summary>
    protected void SignIn(User user)
    {
        var authorization = AddPortalAuthorization();
        authorization.SetAuthorized(user.Upn);
        authorization.SetRoles(user.Role.ToString());
        UseInteractiveServer();
        PopoverProvider = Render<MudPopoverProvider>();
        DialogProvider = Render<MudDialogProvider>();
        SnackbarProvider = Render<MudSnackbarProvider>();
    }

    /// <summary>Signs in as an existing user with their role and renders the tab after the providers.</summary>
    protected IRenderedComponent<PlaybooksTab> RenderTabAs(User user)
    {
        SignIn(user);
        var tab = Render<PlaybooksTab>();
        tab.WaitForAssertion(() => Assert.Empty(tab.FindAll(".mud-progress-linear")));
        return tab;
    }

    /// <summary>The names in the grid, in its order.</summary>
    protected static List<string> Names(IRenderedComponent<PlaybooksTab> tab) =>
        tab.FindAll("[data-testid^=playbook-row-] [data-testid=playbook-row-name]").Select(n => n.TextContent.Trim()).ToList();

    protected static IElement Row(IRenderedComponent<PlaybooksTab> tab, Guid id) => tab.Find($"[data-testid=playbook-row-{id}]");

    protected static string Cell(IElement row, string label) =>
        row.QuerySelector($"td[data-label='{label}']")!.TextContent.Trim();

    /// <summary>All markup the user could see: the tab and every provider (dialogs, popovers, snackbars).</summary>
    protected string AllMarkup(IRenderedComponent<PlaybooksTab> tab) =>
        string.Concat(tab.Markup, DialogProvider.Markup, PopoverProvider.Markup, SnackbarProvider.Markup);

    /// <summary>Opens a row's ⋮ menu and clicks an item by its data-testid (Click(): the handler may await a dialog).</summary>
    protected void ClickMenuItem(IRenderedComponent<PlaybooksTab> tab, Guid id, string itemTestId)
    {
        tab.Find($"[data-testid=playbook-menu-{id}] button").Click();
        PopoverProvider.WaitForAssertion(() => Assert.NotEmpty(PopoverProvider.FindAll($"[data-testid={itemTestId}-{id}]")));
        PopoverProvider.Find($"[data-testid={itemTestId}-{id}]").Click();
    }

    /// <summary>Opens a MudSelect (found by its data-testid) in <paramref name="component"/> and picks the item with this text.</summary>
    protected void Choose<T>(IRenderedComponent<T> component, string testId, string itemText) where T : IComponent
    {
        component.Find($"input[data-testid='{testId}']").Closest(".mud-input-control")!.MouseDown();
        PopoverProvider.WaitForAssertion(() => Assert.Contains(PopoverProvider.FindAll(".mud-list-item"), i => i.TextContent.Trim() == itemText));
        PopoverProvider.FindAll(".mud-list-item").Single(i => i.TextContent.Trim() == itemText).Click();
    }

    /// <summary>The text of the error under a field (the MudBlazor input holding the element with this data-testid).</summary>
    protected static string FieldError<T>(IRenderedComponent<T> component, string testId) where T : IComponent =>
        component.Find($"[data-testid='{testId}']").Closest(".mud-input-control")!
            .QuerySelector(".mud-input-helper-text.mud-input-error")?.TextContent.Trim() ?? "";

    protected override async ValueTask DisposeAsyncCore()
    {
        await base.DisposeAsyncCore();
        await _database.DisposeAsync();
    }
}
