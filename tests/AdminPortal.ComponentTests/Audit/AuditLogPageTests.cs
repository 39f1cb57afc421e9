using System.Reflection;
using AdminPortal.Core.Features.Audit;
using AdminPortal.Core.Features.Users;
using AdminPortal.Testing;
using AdminPortal.Web.Auth;
using AdminPortal.Web.Features.Audit;
using AngleSharp.Dom;
using Bunit;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace AdminPortal.ComponentTests.Audit;

/// <summary>The audit log page with the real <see cref="AuditService"/> over a migrated SQLite file.</summary>
public sealed class AuditLogPageTests : PortalComponentTest
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);

    private readonly TestDatabase _database = TestDatabase.Create();
    private readonly IRenderedComponent<MudPopoverProvider> _popovers;

    public AuditLogPageTests()
    {
        Services.AddSingleton(new AuditService(_database));
        var authorization = AddPortalAuthorization();
        authorization.SetAuthorized("grace@contoso.com");
        authorization.SetRoles(nameof(PortalRole.GlobalAdmin));
        UseInteractiveServer();
        _popovers = Render<MudPopoverProvider>();
    }

    private NavigationManager Navigation => Services.GetRequiredService<NavigationManager>();

    [Fact]
    public void ThePage_IsForAdminsOnly()
    {
        var authorize = typeof(AuditLogPage).GetCustomAttribute<AuthorizeAttribute>();

        Assert.Equal(PortalPolicies.Admin, authorize?.Policy);
    }

    [Fact]
    public async Task Rows_AreNewestFirst_WithReadableActions_TheRawNames_AndLinksToAlertsAndPolicies()
    {
        await AddAsync(
            Entry(AuditActions.PolicyUpdated, "grace@contoso.com", "Policy", "pol-7", "Severity High → Medium", Now.AddHours(-2), "203.0.113.7"),
            Entry(AuditActions.PlaybookLinked, "bob@contoso.com", "Playbook", "3f1c", "Linked to policy 'Mass download' (pol-7)", Now.AddMinutes(-5)),
            Entry(AuditActions.AlertClosed, "ada@contoso.com", "Alert", "alert-1", "resolution=Benign", Now.AddHours(-1)),
            Entry(AuditActions.SignInFailed, "anonymous", null, null, null, Now.AddDays(-1)));

        var page = RenderPage();

        Assert.Equal(["Time (UTC)", "Actor", "Action", "Target", "Details", "Client address"],
            page.FindAll("[data-testid=audit-grid] thead th").Select(th => th.TextContent.Trim()));
        Assert.Equal(
            [
                new Row("2026-11-27 08:55:00", "bob@contoso.com", "Playbook linked", "PlaybookLinked", "Playbook 3f1c", "Linked to policy 'Mass download' (pol-7)", ""),
                new Row("2026-11-27 08:00:00", "ada@contoso.com", "Alert closed", "AlertClosed", "Alert alert-1", "resolution=Benign", ""),
                new Row("2026-11-27 07:00:00", "grace@contoso.com", "Policy updated", "PolicyUpdated", "Policy pol-7", "Severity High → Medium", "203.0.113.7"),
                new Row("2026-11-26 09:00:00", "anonymous", "Sign-in failed", "SignInFailed", "—", "", ""),
            ],
            Rows(page));
        Assert.Equal("4 entries", page.Find("[data-testid=audit-total]").TextContent.Trim());
        var targets = page.FindAll("[data-testid=audit-target]");
        Assert.Null(targets[0].QuerySelector("a"));
        Assert.Equal("/alerts/alert-1", targets[1].QuerySelector("a")!.GetAttribute("href"));
        Assert.Equal("/policies/pol-7/edit", targets[2].QuerySelector("a")!.GetAttribute("href"));
        Assert.Empty(page.FindAll("[data-testid=audit-empty]"));
    }

    [Fact]
    public async Task TypingAnActor_NarrowsTheRows_AndPutsTheFilterInTheAddress()
    {
        await AddAsync(
            Entry(AuditActions.PolicyUpdated, "grace@contoso.com", at: Now),
            Entry(AuditActions.PlaybookLinked, "bob@contoso.com", at: Now.AddMinutes(-1)),
            Entry(AuditActions.SignIn, "Grace@fabrikam.com", at: Now.AddMinutes(-2)));
        var page = RenderPage();
        Assert.Equal(3, Rows(page).Count);

        Type(page, "audit-filter-actor", "GRACE");

        page.WaitForAssertion(() => Assert.Equal(["grace@contoso.com", "Grace@fabrikam.com"], Rows(page).Select(r => r.Actor)));
        Assert.Equal("2 entries", page.Find("[data-testid=audit-total]").TextContent.Trim());
        Assert.Equal("?actor=GRACE", new Uri(Navigation.Uri).Query);
    }

    [Fact]
    public async Task PickingActions_ShowsOnlyThoseActions_AndPutsThemInTheAddress()
    {
        await AddAsync(
            Entry(AuditActions.PolicyUpdated, at: Now),
            Entry(AuditActions.PlaybookLinked, at: Now.AddMinutes(-1)),
            Entry(AuditActions.SignIn, at: Now.AddMinutes(-2)));
        var page = RenderPage();

        page.Find("input[data-testid=audit-filter-action]").Closest(".mud-input-control")!.MouseDown();
        Pick("Playbook linked");
        page.WaitForAssertion(() => Assert.Equal(["Playbook linked"], Rows(page).Select(r => r.Action)));
        Pick("Sign-in");

        page.WaitForAssertion(() => Assert.Equal(["Playbook linked", "Sign-in"], Rows(page).Select(r => r.Action)));
        Assert.Equal(["PlaybookLinked", "SignIn"], QueryValues("action").Order());
    }

    [Fact]
    public async Task OpeningALinkWithFilters_ShowsTheFilteredView_WithTheFiltersFilledIn()
    {
        await AddAsync(
            Entry(AuditActions.PolicyUpdated, "grace@contoso.com", "Policy", "pol-1", "changed 'Mass download'", Now),
            Entry(AuditActions.PolicyUpdated, "bob@contoso.com", "Policy", "pol-2", "changed 'Mass download'", Now.AddDays(-1)),
            Entry(AuditActions.PolicyUpdated, "grace@contoso.com", "Policy", "pol-3", "changed 'Impossible travel'", Now.AddDays(-1)),
            Entry(AuditActions.PolicyDeleted, "grace@contoso.com", "Policy", "pol-4", "deleted 'Mass download'", Now.AddDays(-1)),
            Entry(AuditActions.PolicyUpdated, "grace@contoso.com", "Policy", "pol-5", "changed 'Mass download'", Now.AddDays(-3)));
        Navigation.NavigateTo("/audit?action=PolicyUpdated&action=NoSuchAction&actor=grace&q=mass&from=2026-11-26&to=2026-11-27");

        var page = RenderPage();

        Assert.Equal(["Policy pol-1"], Rows(page).Select(r => r.Target));
        Assert.Equal("grace", page.Find("input[data-testid=audit-filter-actor]").GetAttribute("value"));
        Assert.Equal("mass", page.Find("input[data-testid=audit-filter-text]").GetAttribute("value"));
        Assert.Equal("2026-11-26", page.Find("input[data-testid=audit-filter-from]").GetAttribute("value"));
        Assert.Equal("2026-11-27", page.Find("input[data-testid=audit-filter-to]").GetAttribute("value"));
        Assert.Equal("Policy updated", page.Find("input[data-testid=audit-filter-action]").GetAttribute("value"));
    }

    [Fact]
    public async Task ChoosingDays_KeepsWholeUtcDays_BothEndsIncluded_AndPutsThemInTheAddress()
    {
        var day = new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero);
        await AddAsync(
            Entry(details: "25th 23:59", at: day.AddMinutes(-1)),
            Entry(details: "26th 00:00", at: day),
            Entry(details: "26th 23:59", at: day.AddDays(1).AddMinutes(-1)),
            Entry(details: "27th 00:00", at: day.AddDays(1)));
        var page = RenderPage();

        // The calendar is JavaScript-driven; what matters here is what the page does with the chosen days.
        var pickers = page.FindComponents<MudDatePicker>();
        await page.InvokeAsync(() => pickers[0].Instance.DateChanged.InvokeAsync(new DateTime(2026, 11, 26)));
        await page.InvokeAsync(() => pickers[1].Instance.DateChanged.InvokeAsync(new DateTime(2026, 11, 26)));

        page.WaitForAssertion(() => Assert.Equal(["26th 23:59", "26th 00:00"], Rows(page).Select(r => r.Details)));
        Assert.Equal(["2026-11-26"], QueryValues("from"));
        Assert.Equal(["2026-11-26"], QueryValues("to"));
    }

    [Fact]
    public async Task FiltersMatchingNothing_ShowTheEmptyState_AndClearingShowsEverythingAgain()
    {
        await AddAsync(Entry(details: "Policy 'Mass download' changed"));
        var page = RenderPage();

        Type(page, "audit-filter-text", "no such words");

        page.WaitForAssertion(() => Assert.Equal("No audit entries match these filters.", page.Find("[data-testid=audit-empty]").TextContent.Trim()));
        Assert.Empty(Rows(page));
        Assert.Equal("0 entries", page.Find("[data-testid=audit-total]").TextContent.Trim());

        page.Find("[data-testid=audit-clear-filters]").Click();

        page.WaitForAssertion(() => Assert.Single(Rows(page)));
        Assert.Empty(page.FindAll("[data-testid=audit-empty]"));
        Assert.Equal("", new Uri(Navigation.Uri).Query);
    }

    [Fact]
    public void AnEmptyLog_SaysSo()
    {
        var page = RenderPage();

        Assert.Equal("No audit entries yet.", page.Find("[data-testid=audit-empty]").TextContent.Trim());
    }

    [Fact]
    public async Task Paging_Shows50PerPage_AndTheNextPageLoadsTheOlderEntries()
    {
        await AddAsync(Enumerable.Range(0, 55).Select(i => Entry(details: $"entry {i:00}", at: Now.AddMinutes(-i))).ToArray());
        var page = RenderPage();
        Assert.Equal(50, Rows(page).Count);
        Assert.Equal("entry 00", Rows(page)[0].Details);
        Assert.Equal("55 entries", page.Find("[data-testid=audit-total]").TextContent.Trim());
        Assert.Equal("1–50 of 55", page.Find("[data-testid=audit-range]").TextContent.Trim());

        page.Find("[data-testid=audit-pages] button[aria-label='Next page']").Click();

        page.WaitForAssertion(() => Assert.Equal(["entry 50", "entry 51", "entry 52", "entry 53", "entry 54"], Rows(page).Select(r => r.Details)));
        Assert.Equal("51–55 of 55", page.Find("[data-testid=audit-range]").TextContent.Trim());
    }

    private IRenderedComponent<AuditLogPage> RenderPage()
    {
        var page = Render<AuditLogPage>();
        // The first page is in once the total shows.
        page.WaitForAssertion(() => Assert.NotEmpty(page.Find("[data-testid=audit-total]").TextContent.Trim()));
        return page;
    }

    private sealed record Row(string Time, string Actor, string Action, string ActionName, string Target, string Details, string Client);

    private static List<Row> Rows(IRenderedComponent<AuditLogPage> page) =>
        page.FindAll("[data-testid=audit-grid] tr[data-testid=audit-row]").Select(row => new Row(
            Text(row, "audit-time"), Text(row, "audit-actor"), Text(row, "audit-action"), Text(row, "audit-action-name"),
            string.Join(' ', Text(row, "audit-target").Split(' ', StringSplitOptions.RemoveEmptyEntries)),
            Text(row, "audit-details"), Text(row, "audit-client"))).ToList();

    private static string Text(IElement row, string testId) => row.QuerySelector($"[data-testid={testId}]")!.TextContent.Trim();

    private static void Type(IRenderedComponent<AuditLogPage> page, string testId, string text)
    {
        page.Find($"input[data-testid={testId}]").Input(text);
        page.Find($"input[data-testid={testId}]").Blur();
    }

    private void Pick(string text)
    {
        _popovers.WaitForAssertion(() => Assert.Contains(_popovers.FindAll(".mud-list-item"), i => i.TextContent.Trim() == text));
        _popovers.FindAll(".mud-list-item").First(i => i.TextContent.Trim() == text).Click();
    }

    private List<string> QueryValues(string name) =>
        new Uri(Navigation.Uri).Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .Where(pair => pair[0] == name)
            .Select(pair => Uri.UnescapeDataString(pair[1]))
            .ToList();

    private static AuditEntry Entry(string action = AuditActions.PolicyUpdated, string actor = "grace@contoso.com", string? targetType = "Policy",
        string? targetId = "pol-1", string? details = null, DateTimeOffset? at = null, string? clientAddress = null) => new()
    {
        At = at ?? Now,
        Actor = actor,
        Action = action,
        TargetType = targetType,
        TargetId = targetId,
        Details = details,
        ClientAddress = clientAddress,
    };

    private async Task AddAsync(params AuditEntry[] entries)
    {
        await using var db = _database.CreateDbContext();
        db.AuditEntries.AddRange(entries);
        await db.SaveChangesAsync();
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        await base.DisposeAsyncCore();
        await _database.DisposeAsync();
    }
}
