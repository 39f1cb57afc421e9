using AdminPortal.ComponentTests.Alerts;
using AdminPortal.Core.Features.Alerts;
using AdminPortal.Core.Features.Email;
using AdminPortal.Web.Features.Alerts;
using Bunit;

namespace AdminPortal.ComponentTests.Email;

/// <summary>An alert's page lists its e-mail, one row per recipient, beside the playbook deliveries.</summary>
public sealed class AlertEmailsTests : AlertsComponentTest
{
    [Fact]
    public async Task TheEmailSection_ShowsEachRecipientsState_Attempts_AndTheLastErrorOfFailedAndRetriedMessages()
    {
        var policy = await CreatePolicyAsync("Mass download");
        var alert = await InsertAlertAsync(policy, "Mass download");
        var now = Time.GetUtcNow();
        await AddEmailAsync(alert, "ciso@contoso.com", AlertEmailState.Failed, attempts: 1, error: "550 5.1.1 Mailbox unavailable",
            completedAt: now.AddMinutes(1));
        await AddEmailAsync(alert, "oncall@contoso.com", AlertEmailState.Suppressed, attempts: 0, completedAt: now);
        await AddEmailAsync(alert, "soc@contoso.com", AlertEmailState.Sent, attempts: 1, completedAt: now.AddMinutes(2));
        await AddEmailAsync(alert, "team@contoso.com", AlertEmailState.Pending, attempts: 2, error: "421 4.7.0 Try again later",
            nextAttemptAt: now.AddMinutes(15));
        await SignInAsReaderAsync();

        var page = RenderDetail(alert.Id);

        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("[data-testid=alert-emails]")));
        Assert.Equal(
            [
                ("ciso@contoso.com", "Failed", "1", "550 5.1.1 Mailbox unavailable", "2026-11-27 09:01 UTC"),
                ("oncall@contoso.com", "Held back – daily limit", "0", "—", "2026-11-27 09:00 UTC"),
                ("soc@contoso.com", "Sent", "1", "—", "2026-11-27 09:02 UTC"),
                ("team@contoso.com", "Waiting (retry at 2026-11-27 09:15 UTC)", "2", "421 4.7.0 Try again later", "2026-11-27 09:00 UTC"),
            ],
            page.FindAll("[data-testid=alert-email-row]").Select(row => (
                Cell(row, "alert-email-recipient"), Cell(row, "alert-email-state"), Cell(row, "alert-email-attempts"),
                Cell(row, "alert-email-error"), Cell(row, "alert-email-time"))).ToList());
    }

    [Fact]
    public async Task AnAlertWithoutEmail_HasNoEmailSection()
    {
        var policy = await CreatePolicyAsync("Mass download");
        var alert = await InsertAlertAsync(policy, "Mass download");
        await SignInAsReaderAsync();

        var page = RenderDetail(alert.Id);

        Assert.NotEmpty(page.FindAll("[data-testid=alert-deliveries]"));
        Assert.Empty(page.FindAll("[data-testid=alert-emails]"));
    }

    private IRenderedComponent<AlertDetailPage> RenderDetail(string id)
    {
        var page = Render<AlertDetailPage>(parameters => parameters.Add(p => p.Id, id));
        page.WaitForAssertion(() => Assert.Empty(page.FindAll(".mud-progress-linear")));
        return page;
    }

    private static string Cell(AngleSharp.Dom.IElement row, string testId) =>
        row.QuerySelector($"[data-testid={testId}]")!.TextContent.Trim();

    /// <summary>One (alert, recipient) message as the outbox and the sender leave it.</summary>
    private async Task AddEmailAsync(Alert alert, string recipient, AlertEmailState state, int attempts, string? error = null,
        DateTimeOffset? completedAt = null, DateTimeOffset? nextAttemptAt = null)
    {
        await using var db = await Contexts.CreateDbContextAsync();
        db.AlertEmails.Add(new AlertEmail
        {
            Kind = AlertEmailKind.Alert,
            AlertId = alert.Id,
            PolicyId = alert.PolicyId,
            Recipient = recipient,
            Day = DateOnly.FromDateTime(alert.CreatedAt.UtcDateTime),
            State = state,
            AttemptCount = attempts,
            LastError = error,
            CreatedAt = alert.CreatedAt,
            CompletedAt = completedAt,
            NextAttemptAt = nextAttemptAt ?? alert.CreatedAt,
        });
        await db.SaveChangesAsync();
    }
}
