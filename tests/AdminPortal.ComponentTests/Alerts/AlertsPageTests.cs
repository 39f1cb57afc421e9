using AdminPortal.Core.Features.Alerts;
using AdminPortal.Core.Features.Policies;
using AdminPortal.Web.Features.Alerts;
using AngleSharp.Dom;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using MudBlazor;

namespace AdminPortal.ComponentTests.Alerts;

/// <summary>The alerts grid: columns, filters, sorting, live updates, the count cap and bulk closing.</summary>
public sealed class AlertsPageTests : AlertsComponentTest
{
    [Fact]
    public async Task Grid_ShowsSeverityTitlePolicyUserTimeAndStatus_NewestFirst_UnreadInBold()
    {
        var policy = await CreatePolicyAsync("Mass download");
        var old = await InsertAlertAsync(policy, "Old benign alert", AlertSeverity.Low, user: "carl@contoso.com", age: TimeSpan.FromHours(2),
            status: ResolutionStatus.Benign, read: AlertReadStatus.Read);
        var fresh = await InsertAlertAsync(policy, "Fresh high alert", AlertSeverity.High, age: TimeSpan.FromMinutes(5),
            description: "ada@contoso.com downloaded 40 files.");
        await SignInAsReaderAsync();

        var page = RenderPage();

        var headers = page.FindAll("[data-testid=alert-grid] thead th").Select(th => th.TextContent.Trim()).Where(text => text.Length > 0);
        Assert.Equal(["Severity", "Alert", "Policy", "User", "Time", "Status"], headers);
        Assert.Equal(
            [
                new Row(fresh.Id, "Fresh high alert", "High", "Mass download", Ada, "2026-11-27 08:55 UTC", "Open", Unread: true),
                new Row(old.Id, "Old benign alert", "Low", "Mass download", "carl@contoso.com", "2026-11-27 07:00 UTC", "Closed · Benign", Unread: false),
            ],
            Rows(page));
        Assert.Equal("ada@contoso.com downloaded 40 files.", page.FindAll("[data-testid=alert-description]")[0].TextContent.Trim());
        Assert.Equal("2 alerts", page.Find("[data-testid=alert-total]").TextContent.Trim());
        Assert.Contains("font-weight: 600", page.Find($"[data-testid=alert-row-{fresh.Id}]").GetAttribute("style"));
        Assert.Equal($"/alerts/{fresh.Id}", page.Find($"[data-testid=alert-row-{fresh.Id}]").GetAttribute("href"));
    }

    [Fact]
    public async Task ClickingARow_OpensTheAlert()
    {
        var policy = await CreatePolicyAsync("Mass download");
        var alert = await InsertAlertAsync(policy, "Fresh high alert");
        await SignInAsReaderAsync();
        var page = RenderPage();

        page.Find("tr.alert-row td[data-label=Policy]").Click();

        Assert.EndsWith($"/alerts/{alert.Id}", Navigation.Uri);
    }

    [Fact]
    public async Task FilteringBySeverity_ShowsOnlyTheChosenSeverities()
    {
        var policy = await CreatePolicyAsync("Mass download");
        await InsertAlertAsync(policy, "High one", AlertSeverity.High);
        await InsertAlertAsync(policy, "Low one", AlertSeverity.Low);
        await InsertAlertAsync(policy, "Informational one", AlertSeverity.Informational);
        await SignInAsReaderAsync();
        var page = RenderPage();
        Assert.Equal(3, Rows(page).Count);

        OpenSelect(page, "filter-severity");
        PickFromPopover("High");
        page.WaitForAssertion(() => Assert.Equal(["High one"], Titles(page)));

        PickFromPopover("Informational");
        page.WaitForAssertion(() => Assert.Equal(["High one", "Informational one"], Titles(page).Order()));
        Assert.Equal("2 alerts", page.Find("[data-testid=alert-total]").TextContent.Trim());
    }

    [Fact]
    public async Task ThePolicyQueryParameter_ShowsOnlyThatPolicysAlerts()
    {
        var downloads = await CreatePolicyAsync("Mass download");
        var logons = await CreatePolicyAsync("Failed log-ons", activityType: "LogOnFailed");
        await InsertAlertAsync(downloads, "Download alert");
        await InsertAlertAsync(logons, "Log-on alert");
        await SignInAsReaderAsync();

        // As the Policies page's "View all alerts" link arrives.
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameter("policy", logons.Id));
        var page = RenderPage();

        Assert.Equal(["Log-on alert"], Titles(page));
        Assert.Equal("Failed log-ons", page.Find("input[data-testid=filter-policy]").GetAttribute("value"));

        page.Find("[data-testid=clear-filters]").Click();
        page.WaitForAssertion(() => Assert.Equal(["Download alert", "Log-on alert"], Titles(page).Order()));
    }

    [Fact]
    public async Task FreeText_FindsTitlesCaseInsensitively_AndUserAndIpFiltersMatchByPrefix()
    {
        var policy = await CreatePolicyAsync("Mass download");
        await InsertAlertAsync(policy, "Impossible travel", user: "carl@contoso.com", ip: "10.1.2.3");
        await InsertAlertAsync(policy, "Mass download", user: Ada, ip: "203.0.113.7");
        await InsertAlertAsync(policy, "Risky sign-in", user: "adam@contoso.com", ip: "10.9.9.9");
        await SignInAsReaderAsync();
        var page = RenderPage();

        Type(page, "filter-text", "TRAVEL");
        page.WaitForAssertion(() => Assert.Equal(["Impossible travel"], Titles(page)));

        Type(page, "filter-text", "");
        Type(page, "filter-user", "ADA");
        page.WaitForAssertion(() => Assert.Equal(["Mass download", "Risky sign-in"], Titles(page).Order()));

        Type(page, "filter-ip", "10.");
        page.WaitForAssertion(() => Assert.Equal(["Risky sign-in"], Titles(page)));
    }

    [Fact]
    public async Task FilteringByStatusAndResolution_SeparatesOpenFromClosedAlerts()
    {
        var policy = await CreatePolicyAsync("Mass download");
        await InsertAlertAsync(policy, "Still open");
        await InsertAlertAsync(policy, "Closed benign", status: ResolutionStatus.Benign);
        await InsertAlertAsync(policy, "Closed true positive", status: ResolutionStatus.TruePositive);
        await SignInAsReaderAsync();
        var page = RenderPage();

        OpenSelect(page, "filter-status");
        PickFromPopover("Closed");
        page.WaitForAssertion(() => Assert.Equal(["Closed benign", "Closed true positive"], Titles(page).Order()));

        OpenSelect(page, "filter-resolution");
        PickFromPopover("True positive");
        page.WaitForAssertion(() => Assert.Equal(["Closed true positive"], Titles(page)));
    }

    [Fact]
    public async Task FilteringByDateRange_KeepsWholeUtcDays_BothEndsIncluded()
    {
        var policy = await CreatePolicyAsync("Mass download");
        // The clock stands at 2026-11-27 09:00 UTC.
        await InsertAlertAsync(policy, "25th 23:59", age: new TimeSpan(33, 1, 0));
        await InsertAlertAsync(policy, "26th 00:00", age: new TimeSpan(33, 0, 0));
        await InsertAlertAsync(policy, "26th 23:59", age: new TimeSpan(9, 1, 0));
        await InsertAlertAsync(policy, "27th 00:00", age: new TimeSpan(9, 0, 0));
        await SignInAsReaderAsync();
        var page = RenderPage();
        Assert.Equal(4, Rows(page).Count);

        // The picker's calendar is JavaScript-driven; what matters here is what the page does with the chosen range.
        var picker = page.FindComponent<MudDateRangePicker>();
        await page.InvokeAsync(() => picker.Instance.DateRangeChanged.InvokeAsync(new DateRange(new DateTime(2026, 11, 26), new DateTime(2026, 11, 26))));

        page.WaitForAssertion(() => Assert.Equal(["26th 23:59", "26th 00:00"], Titles(page)));
    }

    [Fact]
    public async Task SortingBySeverity_OrdersInformationalBelowLow_AndBothWays()
    {
        var policy = await CreatePolicyAsync("Mass download");
        await InsertAlertAsync(policy, "medium", AlertSeverity.Medium, age: TimeSpan.FromMinutes(1));
        await InsertAlertAsync(policy, "informational", AlertSeverity.Informational, age: TimeSpan.FromMinutes(2));
        await InsertAlertAsync(policy, "high", AlertSeverity.High, age: TimeSpan.FromMinutes(3));
        await InsertAlertAsync(policy, "low", AlertSeverity.Low, age: TimeSpan.FromMinutes(4));
        await SignInAsReaderAsync();
        var page = RenderPage();
        Assert.Equal(["medium", "informational", "high", "low"], Titles(page)); // newest first

        SortHeader(page, "Severity").Click();
        page.WaitForAssertion(() => Assert.Equal(["informational", "low", "medium", "high"], Titles(page)));

        SortHeader(page, "Severity").Click();
        page.WaitForAssertion(() => Assert.Equal(["high", "medium", "low", "informational"], Titles(page)));

        SortHeader(page, "Time").Click();
        page.WaitForAssertion(() => Assert.Equal(["low", "high", "informational", "medium"], Titles(page))); // oldest first
    }

    [Fact]
    public async Task Paging_Shows25PerPage_AndTheNextPageLoadsOnlyItsRows()
    {
        var policy = await CreatePolicyAsync("Mass download");
        for (var i = 0; i < 30; i++)
            await InsertAlertAsync(policy, $"alert {i:00}", age: TimeSpan.FromMinutes(i));
        await SignInAsReaderAsync();
        var page = RenderPage();
        Assert.Equal(25, Rows(page).Count);
        Assert.Equal("alert 00", Titles(page)[0]);
        Assert.Equal("1-25 of 30", PagerInfo(page));

        page.Find("button[aria-label='Next page']").Click();

        page.WaitForAssertion(() => Assert.Equal(["alert 25", "alert 26", "alert 27", "alert 28", "alert 29"], Titles(page)));
    }

    [Fact]
    public async Task MoreAlertsThanTheCountCap_ShowTheTotalAs10000Plus()
    {
        var policy = await CreatePolicyAsync("Mass download");
        await InsertManyAlertsAsync(policy, AlertQueries.CountCap + 5);
        await SignInAsReaderAsync();

        var page = RenderPage();

        Assert.Equal("10,000+ alerts", page.Find("[data-testid=alert-total]").TextContent.Trim());
        Assert.Equal("1-25 of 10,000+", PagerInfo(page));
        Assert.Equal(25, Rows(page).Count);
    }

    [Fact]
    public async Task ANewAlertRaisedOnThisInstance_AppearsWithoutReload()
    {
        var policy = await CreatePolicyAsync("Mass download");
        await InsertAlertAsync(policy, "Earlier alert", age: TimeSpan.FromHours(1));
        await SignInAsReaderAsync();
        var page = RenderPage();
        Assert.Equal(["Earlier alert"], Titles(page));

        var result = await IngestAsync(Download("eve@contoso.com", "payroll.xlsx"));

        Assert.Equal(1, result.AlertsCreated);
        page.WaitForAssertion(() => Assert.Equal(["Mass download", "Earlier alert"], Titles(page)));
        Assert.Equal("eve@contoso.com", Rows(page)[0].User);
        Assert.Equal("2 alerts", page.Find("[data-testid=alert-total]").TextContent.Trim());
    }

    [Fact]
    public async Task AnAlertRaisedByAnotherInstance_AppearsAtTheNextPoll()
    {
        var policy = await CreatePolicyAsync("Mass download");
        await InsertAlertAsync(policy, "Earlier alert", age: TimeSpan.FromHours(1));
        await SignInAsReaderAsync();
        var page = RenderPage();

        // Written by "another instance": straight into the database, so this instance's signal never fires.
        await InsertAlertAsync(policy, "From another instance");
        Assert.Equal(["Earlier alert"], Titles(page));

        Time.Advance(AlertsPage.PollInterval);

        page.WaitForAssertion(() => Assert.Equal(["From another instance", "Earlier alert"], Titles(page)));
    }

    [Fact]
    public async Task AnOperator_ClosesTwoSelectedAlertsAtOnce()
    {
        var policy = await CreatePolicyAsync("Mass download");
        var first = await InsertAlertAsync(policy, "First", age: TimeSpan.FromMinutes(1));
        var second = await InsertAlertAsync(policy, "Second", age: TimeSpan.FromMinutes(2));
        var untouched = await InsertAlertAsync(policy, "Third", age: TimeSpan.FromMinutes(3));
        var bob = await SignInAsOperatorAsync();
        var page = RenderPage();
        Assert.True(page.Find("[data-testid=close-selected]").HasAttribute("disabled"));

        RowCheckbox(page, first.Id).Change(true);
        RowCheckbox(page, second.Id).Change(true);
        page.WaitForAssertion(() => Assert.Contains("Close selected (2)", page.Find("[data-testid=close-selected]").TextContent));
        page.Find("[data-testid=close-selected]").Click();

        DialogProvider.WaitForAssertion(() => DialogProvider.Find("input[data-testid=close-kind-falsepositive]"));
        Assert.Contains("How should these 2 alerts be closed?", DialogProvider.Markup);
        DialogProvider.Find("input[data-testid=close-kind-falsepositive]").Click();
        OpenSelect(DialogProvider, "close-reason");
        PickFromPopover("Too many similar alerts");
        DialogProvider.Find("textarea[data-testid=close-comment]").Input("Tuning the policy.");
        DialogProvider.Find("[data-testid=confirm-close]").Click();

        page.WaitForAssertion(() => Assert.Equal(
            [("First", "Closed · False positive"), ("Second", "Closed · False positive"), ("Third", "Open")],
            Rows(page).Select(r => (r.Title, r.Status))));
        SnackbarProvider.WaitForAssertion(() => Assert.Contains("2 alert(s) closed as false positive.", SnackbarProvider.Markup));
        page.WaitForAssertion(() => Assert.True(page.Find("[data-testid=close-selected]").HasAttribute("disabled")));
        foreach (var id in new[] { first.Id, second.Id })
        {
            var stored = await StoredAlertAsync(id);
            Assert.Equal((ResolutionStatus.FalsePositive, 1, "Tuning the policy.", bob.Upn),
                (stored.ResolutionStatus, stored.ResolutionReasonId, stored.ResolutionComment, stored.HandledBy));
        }
        Assert.Equal(ResolutionStatus.Open, (await StoredAlertAsync(untouched.Id)).ResolutionStatus);
    }

    [Fact]
    public async Task CancellingTheCloseDialog_ChangesNothing()
    {
        var policy = await CreatePolicyAsync("Mass download");
        var alert = await InsertAlertAsync(policy, "First");
        await SignInAsOperatorAsync();
        var page = RenderPage();

        RowCheckbox(page, alert.Id).Change(true);
        page.Find("[data-testid=close-selected]").Click();
        DialogProvider.WaitForAssertion(() => DialogButton("Cancel").Click());

        DialogProvider.WaitForAssertion(() => Assert.Empty(DialogProvider.FindAll(".mud-dialog")));
        Assert.Equal(ResolutionStatus.Open, (await StoredAlertAsync(alert.Id)).ResolutionStatus);
        Assert.Equal("Open", Rows(page).Single().Status);
    }

    [Fact]
    public async Task AReader_SeesNoSelectionAndNoCloseButton()
    {
        var policy = await CreatePolicyAsync("Mass download");
        await InsertAlertAsync(policy, "First");
        await SignInAsReaderAsync();

        var page = RenderPage();

        Assert.Single(Rows(page));
        Assert.Empty(page.FindAll("[data-testid=close-selected]"));
        Assert.Empty(page.FindAll("[data-testid=alert-grid] input[type=checkbox]"));
    }

    private IRenderedComponent<AlertsPage> RenderPage()
    {
        var page = Render<AlertsPage>();
        // The grid loads after its first render; the total shows once the first page is in.
        page.WaitForAssertion(() => Assert.NotEmpty(page.Find("[data-testid=alert-total]").TextContent.Trim()));
        return page;
    }

    private sealed record Row(string Id, string Title, string Severity, string Policy, string User, string Time, string Status, bool Unread);

    private static List<Row> Rows(IRenderedComponent<AlertsPage> page) =>
        page.FindAll("[data-testid=alert-grid] tbody tr.alert-row").Select(row =>
        {
            var title = row.QuerySelector("[data-testid^=alert-row-]")!;
            return new Row(
                title.GetAttribute("data-testid")!["alert-row-".Length..],
                title.TextContent.Trim(),
                Text(row, "alert-severity"),
                Text(row, "alert-policy"),
                Text(row, "alert-user"),
                Text(row, "alert-time"),
                Text(row, "alert-status-cell"),
                row.ClassList.Contains("alert-unread"));
        }).ToList();

    /// <summary>
    /// Types into a debounced search field and leaves it, which commits at once (as a user tabbing on does),
    /// without depending on when the debouncer's timer is scheduled against the fake clock.
    /// </summary>
    private static void Type(IRenderedComponent<AlertsPage> page, string testId, string text)
    {
        page.Find($"input[data-testid={testId}]").Input(text);
        page.Find($"input[data-testid={testId}]").Blur();
    }

    private static string PagerInfo(IRenderedComponent<AlertsPage> page) =>
        page.FindAll(".mud-table-pagination-caption").Last().TextContent.Trim();

    private static List<string> Titles(IRenderedComponent<AlertsPage> page) => Rows(page).Select(r => r.Title).ToList();

    private static string Text(IElement row, string testId) => row.QuerySelector($"[data-testid={testId}]")!.TextContent.Trim();

    private static IElement SortHeader(IRenderedComponent<AlertsPage> page, string title) =>
        page.FindAll("[data-testid=alert-grid] thead .sortable-column-header").Single(h => h.TextContent.Trim() == title);

    private static IElement RowCheckbox(IRenderedComponent<AlertsPage> page, string alertId) =>
        page.Find($"[data-testid=alert-row-{alertId}]").Closest("tr")!.QuerySelector("input[type=checkbox]")!;

    /// <summary>Many alerts in one statement: EF would take seconds for ten thousand rows.</summary>
    private async Task InsertManyAlertsAsync(Policy policy, int count)
    {
        await using var db = await Contexts.CreateDbContextAsync();
        var ticks = Time.GetUtcNow().UtcTicks - TimeSpan.TicksPerDay;
        await db.Database.ExecuteSqlAsync($"""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count})
            INSERT INTO Alerts (Id, CreatedAt, Title, Description, Severity, ReadStatus, ResolutionStatus, PolicyId, Category, MainEntity, CorrelationKey, Evidence)
            SELECT printf('%024x', i), {ticks} + i, 'Bulk alert', '', 1, 0, 0, {policy.Id}, 0, 'bulk@contoso.com', {policy.Id} || ':bulk', '[]' FROM n
            """);
    }
}
