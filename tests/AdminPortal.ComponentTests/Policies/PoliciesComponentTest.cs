using AdminPortal.Core;
using AdminPortal.Core.Data;
using AdminPortal.Core.Features.Alerts;
using AdminPortal.Core.Features.Audit;
using AdminPortal.Core.Features.Dispatch;
using AdminPortal.Core.Features.Email;
using AdminPortal.Core.Features.Playbooks;
using AdminPortal.Core.Features.Policies;
using AdminPortal.Core.Features.Users;
using AdminPortal.Testing;
using AdminPortal.Web.Auth;
using AngleSharp.Dom;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MudBlazor;

namespace AdminPortal.ComponentTests.Policies;

/// <summary>
/// The policy pages with the real <see cref="PolicyService"/> over a migrated SQLite file, a fake clock, and the
/// providers (dialogs, popovers, snackbars) rendered first, as the layout does.
/// </summary>
public abstract class PoliciesComponentTest : PortalComponentTest
{
    private readonly TestDatabase _database = TestDatabase.Create();
    private bool _signedIn;

    protected PoliciesComponentTest()
    {
        Contexts = _database;
        Policies = new PolicyService(Contexts, Time);
        Users = new UserService(Contexts, Time);
        var secrets = new PlaybookSecrets(new EphemeralDataProtectionProvider());
        var dispatch = Options.Create(new DispatchOptions());
        Playbooks = new PlaybookService(Contexts, secrets, dispatch, Time);

        Services.AddSingleton<TimeProvider>(Time);
        Services.AddSingleton<IDbContextFactory<PortalDbContext>>(Contexts);
        Services.AddSingleton(Policies);
        Services.AddSingleton(Users);
        Services.AddSingleton(secrets);
        Services.AddSingleton(dispatch);
        Services.AddSingleton(Playbooks);
        Defaults = new PolicyDefaultsService(Contexts, Time);
        Services.AddSingleton(Defaults);
        Services.AddSingleton(new SignInMode(IsEntra: false));
        Services.AddScoped<CurrentUser>();
        var email = Options.Create(EmailSettings);
        Services.AddSingleton(new EmailService(Contexts, new SmtpMailer(email), new AuditTrail(Contexts, Time),
            new FixedPortalAddress("https://portal.contoso.com"), email, Time));
    }

    /// <summary>
    /// The <c>Email:*</c> settings the pages see (read on every use): an SMTP server is set up; a test clears
    /// <see cref="EmailOptions.Host"/> to see the portal without one. Nothing connects to it: no sender runs here.
    /// </summary>
    protected EmailOptions EmailSettings { get; } = new() { Host = "smtp.contoso.test", From = "alerts@contoso.com" };

    protected PolicyDefaultsService Defaults { get; private set; } = null!;
    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 27, 9, 0, 0, TimeSpan.Zero));
    protected IDbContextFactory<PortalDbContext> Contexts { get; }
    protected PolicyService Policies { get; }
    protected UserService Users { get; }
    protected PlaybookService Playbooks { get; }

    protected IRenderedComponent<MudDialogProvider> DialogProvider { get; private set; } = null!;
    protected IRenderedComponent<MudPopoverProvider> PopoverProvider { get; private set; } = null!;
    protected IRenderedComponent<MudSnackbarProvider> SnackbarProvider { get; private set; } = null!;

    protected NavigationManager Navigation => Services.GetRequiredService<NavigationManager>();

    /// <summary>Adds the user and signs in as them, then renders the providers; once per test.</summary>
    protected async Task<User> SignInAsync(string upn, PortalRole role)
    {
        var user = await Users.AddOrUpdateAsync(upn, role, "test");
        if (_signedIn)
            return user;
        _signedIn = true;
        var authorization = AddPortalAuthorization();
        authorization.SetAuthorized(user.Upn);
        authorization.SetRoles(user.Role.ToString());
        UseInteractiveServer();
        PopoverProvider = Render<MudPopoverProvider>();
        DialogProvider = Render<MudDialogProvider>();
        SnackbarProvider = Render<MudSnackbarProvider>();
        return user;
    }

    protected Task<User> SignInAsAdminAsync() => SignInAsync("grace@contoso.com", PortalRole.GlobalAdmin);

    /// <summary>A valid policy as the API or another admin would have created it.</summary>
    protected Task<Policy> CreatePolicyAsync(string name, PolicyCategory category = PolicyCategory.ThreatDetection,
        PolicyType type = PolicyType.Activity, AlertSeverity severity = AlertSeverity.Medium, bool enabled = true,
        string description = "") =>
        Policies.CreateAsync(new PolicyDraft
        {
            Name = name,
            Description = description,
            Category = category,
            Type = type,
            Severity = severity,
            IsEnabled = enabled,
            Conditions = [new ConditionDraft { Field = ActivityFields.ActivityType, Operator = ConditionOperator.Equals, Values = ["FileDownload"] }],
        }, "seed@contoso.com");

    protected async Task<Policy> StoredPolicyAsync(string id)
    {
        await using var db = await Contexts.CreateDbContextAsync();
        return await db.Policies.AsNoTracking().SingleAsync(p => p.Id == id);
    }

    protected async Task<IReadOnlyList<Policy>> StoredPoliciesAsync()
    {
        await using var db = await Contexts.CreateDbContextAsync();
        return await db.Policies.AsNoTracking().ToListAsync();
    }

    /// <summary>Alerts of a policy, as the engine would have raised them: some open, some closed.</summary>
    protected async Task AddAlertsAsync(string policyId, int open, int closed)
    {
        await using var db = await Contexts.CreateDbContextAsync();
        for (var i = 0; i < open + closed; i++)
        {
            db.Alerts.Add(new Alert
            {
                Title = $"Alert {i}",
                PolicyId = policyId,
                CorrelationKey = $"{policyId}:user{i}@contoso.com",
                CreatedAt = Time.GetUtcNow(),
                Severity = AlertSeverity.Medium,
                ResolutionStatus = i < open ? ResolutionStatus.Open : ResolutionStatus.Benign,
            });
        }
        await db.SaveChangesAsync();
    }

    /// <summary>Today's count of the daily alert limit, as the engine keeps it.</summary>
    protected async Task AddDailyCountAsync(string policyId, int alerts, int suppressed)
    {
        await using var db = await Contexts.CreateDbContextAsync();
        db.PolicyDailyCounts.Add(new PolicyDailyCount
        {
            PolicyId = policyId, Day = DateOnly.FromDateTime(Time.GetUtcNow().UtcDateTime), Alerts = alerts, Suppressed = suppressed,
        });
        await db.SaveChangesAsync();
    }

    /// <summary>Everything the user could see: the component and every provider (dialogs, popovers, snackbars).</summary>
    protected string AllMarkup<T>(IRenderedComponent<T> component) where T : IComponent =>
        string.Concat(component.Markup, DialogProvider.Markup, PopoverProvider.Markup, SnackbarProvider.Markup);

    protected string Snackbars => SnackbarProvider.Markup.Replace("&quot;", "\"");

    /// <summary>Opens a MudSelect (found by its data-testid) and picks the item with this text.</summary>
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

    protected static IElement Button<T>(IRenderedComponent<T> component, string text) where T : IComponent =>
        component.FindAll("button").Single(b => b.TextContent.Trim() == text);

    protected override async ValueTask DisposeAsyncCore()
    {
        await base.DisposeAsyncCore();
        await _database.DisposeAsync();
    }
}
