using System.Text.Json;
using AdminPortal.Core.Data;
using AdminPortal.Core.Features.Activities;
using AdminPortal.Core.Features.Alerts;
using AdminPortal.Core.Features.Audit;
using AdminPortal.Core.Features.Dispatch;
using AdminPortal.Core.Features.Email;
using AdminPortal.Core.Features.Playbooks;
using AdminPortal.Core.Features.Policies;
using AdminPortal.Core.Features.Users;
using AdminPortal.Core;
using AdminPortal.Testing;
using AdminPortal.Web.Auth;
using AngleSharp.Dom;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MudBlazor;

namespace AdminPortal.ComponentTests.Alerts;

/// <summary>
/// The alert pages with their real services (alerts, policies, ingestion, the alert signal) over a migrated SQLite
/// file, a fake clock, and the providers (dialogs, popovers, snackbars) rendered first, as the layout does.
/// </summary>
public abstract class AlertsComponentTest : PortalComponentTest
{
    protected const string Ada = "ada@contoso.com";

    private readonly TestDatabase _database = TestDatabase.Create();
    private bool _signedIn;

    protected AlertsComponentTest()
    {
        Contexts = _database;
        Alerts = new AlertService(Contexts, Time);
        Policies = new PolicyService(Contexts, Time);
        Users = new UserService(Contexts, Time);
        Ingest = new ActivityIngestService(Contexts, new PolicyCatalog(NullLogger<PolicyCatalog>.Instance),
            new AlertOutbox(new FixedPortalAddress("http://127.0.0.1:5080")), Signal, new SqliteWriteGate(), Time,
            NullLogger<ActivityIngestService>.Instance);

        Services.AddSingleton<TimeProvider>(Time);
        Services.AddSingleton<IDbContextFactory<PortalDbContext>>(Contexts);
        Services.AddSingleton(Alerts);
        Services.AddSingleton(Policies);
        Services.AddSingleton(Users);
        Services.AddSingleton(Signal);
        Playbooks = new PlaybookService(Contexts, new PlaybookSecrets(new EphemeralDataProtectionProvider()), Options.Create(new DispatchOptions()), Time);
        Services.AddSingleton(new DeliveryService(Contexts, Playbooks, new DispatchSignal(), Time));
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

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 27, 9, 0, 0, TimeSpan.Zero));
    protected IDbContextFactory<PortalDbContext> Contexts { get; }
    protected AlertService Alerts { get; }
    protected PolicyService Policies { get; }
    protected UserService Users { get; }
    /// <summary>Playbooks, for the deliveries section: who may see which playbook an alert went to.</summary>
    protected PlaybookService Playbooks { get; }
    protected AlertSignal Signal { get; } = new();
    protected ActivityIngestService Ingest { get; }

    protected IRenderedComponent<MudDialogProvider> DialogProvider { get; private set; } = null!;
    protected IRenderedComponent<MudPopoverProvider> PopoverProvider { get; private set; } = null!;
    protected IRenderedComponent<MudSnackbarProvider> SnackbarProvider { get; private set; } = null!;

    protected NavigationManager Navigation => Services.GetRequiredService<NavigationManager>();

    /// <summary>Adds the user, signs in as them and renders the providers; once per test.</summary>
    protected async Task<User> SignInAsync(string upn, PortalRole role)
    {
        var user = await Users.AddOrUpdateAsync(upn, role, "test");
        if (_signedIn)
            throw new InvalidOperationException("One sign-in per test.");
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

    protected Task<User> SignInAsOperatorAsync() => SignInAsync("bob@contoso.com", PortalRole.SecurityOperator);
    protected Task<User> SignInAsReaderAsync() => SignInAsync("rita@contoso.com", PortalRole.SecurityReader);

    /// <summary>An enabled policy that alerts on every activity of the given type.</summary>
    protected Task<Policy> CreatePolicyAsync(string name, AlertSeverity severity = AlertSeverity.Medium, string activityType = "FileDownload") =>
        Policies.CreateAsync(new PolicyDraft
        {
            Name = name,
            Severity = severity,
            Conditions = [new ConditionDraft { Field = ActivityFields.ActivityType, Operator = ConditionOperator.Equals, Values = [activityType] }],
            AlertSettings = new PolicyAlertSettingsDraft { DailyAlertLimit = PolicyValidator.MaxDailyAlertLimit },
        }, "grace@contoso.com");

    /// <summary>An alert row as the engine writes it, inserted straight into the database (no signal is raised).</summary>
    protected async Task<Alert> InsertAlertAsync(Policy policy, string title, AlertSeverity severity = AlertSeverity.Medium,
        string user = Ada, string ip = "203.0.113.7", TimeSpan? age = null, ResolutionStatus status = ResolutionStatus.Open,
        AlertReadStatus read = AlertReadStatus.Unread, string? description = null)
    {
        var at = Time.GetUtcNow() - (age ?? TimeSpan.Zero);
        var alert = new Alert
        {
            CreatedAt = at,
            Title = title,
            Description = description ?? $"{user} did something in SharePoint from {ip}.",
            Severity = severity,
            ReadStatus = read,
            ResolutionStatus = status,
            HandledBy = status == ResolutionStatus.Open ? null : "someone@contoso.com",
            ClosedAt = status == ResolutionStatus.Open ? null : at,
            PolicyId = policy.Id,
            MainEntity = user,
            CorrelationKey = $"{policy.Id}:{user}",
            Entities =
            [
                new AlertEntity { Type = AlertEntityType.Account, Value = user, Label = user },
                new AlertEntity { Type = AlertEntityType.Ip, Value = ip, Label = ip },
                new AlertEntity { Type = AlertEntityType.PolicyRule, Value = policy.Id, Label = policy.Name },
            ],
            History = [new AlertEvent { At = at, Actor = "system", Kind = AlertEventKind.Raised }],
        };
        await using var db = await Contexts.CreateDbContextAsync();
        db.Alerts.Add(alert);
        await db.SaveChangesAsync();
        return alert;
    }

    /// <summary>Ingests activities as the API does: policies match, alerts commit, and the alert signal fires.</summary>
    protected async Task<IngestResult> IngestAsync(params object[] activities)
    {
        var items = activities.Select(a => JsonSerializer.SerializeToElement(a)).ToList();
        var result = await Ingest.IngestAsync(items);
        Assert.Empty(result.Rejected);
        return result;
    }

    protected object Download(string user, string file, string ip = "198.51.100.23", string country = "NL") => new
    {
        timestamp = Time.GetUtcNow().AddMinutes(-1).ToUnixTimeMilliseconds(),
        app = "SharePoint",
        activityType = "FileDownload",
        user,
        ipAddress = ip,
        country,
        objectName = file,
    };

    protected async Task<Alert> StoredAlertAsync(string id)
    {
        await using var db = await Contexts.CreateDbContextAsync();
        return await db.Alerts.AsNoTracking().Include(a => a.History).SingleAsync(a => a.Id == id);
    }

    /// <summary>All markup the user could see: the page and every provider (dialogs, popovers, snackbars).</summary>
    protected string AllMarkup<T>(IRenderedComponent<T> page) where T : IComponent =>
        string.Concat(page.Markup, DialogProvider.Markup, PopoverProvider.Markup, SnackbarProvider.Markup);

    protected IElement DialogButton(string text) =>
        DialogProvider.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == text);

    /// <summary>Picks an item of an open select (or any popover list) by its text.</summary>
    protected void PickFromPopover(string text)
    {
        PopoverProvider.WaitForAssertion(() => Assert.Contains(PopoverProvider.FindAll(".mud-list-item"), i => i.TextContent.Trim() == text));
        PopoverProvider.FindAll(".mud-list-item").First(i => i.TextContent.Trim() == text).Click();
    }

    /// <summary>Opens a MudSelect by its data-testid (the attribute lands on the hidden input).</summary>
    protected static void OpenSelect<T>(IRenderedComponent<T> component, string testId) where T : IComponent =>
        component.Find($"input[data-testid={testId}]").Closest(".mud-input-control")!.MouseDown();

    protected override async ValueTask DisposeAsyncCore()
    {
        await base.DisposeAsyncCore();
        await _database.DisposeAsync();
    }
}
