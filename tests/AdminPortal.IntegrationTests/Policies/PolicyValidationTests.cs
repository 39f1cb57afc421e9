using System.Net;
using AdminPortal.IntegrationTests.Alerts;
using static AdminPortal.IntegrationTests.Alerts.ApiPortal;

namespace AdminPortal.IntegrationTests.Policies;

/// <summary>
/// A policy that breaks a rule is refused with 400 validation problem details whose <c>errors</c> name the field
/// in the API's own spelling (<c>conditions[0].values</c>), and nothing is stored. (Validation does not depend on
/// the database, so these run on SQLite only.)
/// </summary>
public sealed class PolicyValidationTests() : ApiPortalTest(TestDb.Sqlite)
{
    private const string Condition = """{"field": "activityType", "operator": "equals", "values": ["LogOn"]}""";

    public static TheoryData<string, string> InvalidPolicies => new()
    {
        { """{"name": "Bad range", "conditions": [{"field": "ipAddress", "operator": "ipInRange", "values": ["10.0.0.0/33"]}]}""", "conditions[0].values" },
        { $$$"""{"name": "Bad second range", "conditions": [{{{Condition}}}, {"field": "ipAddress", "operator": "ipInRange", "values": ["10.0.0.0/8", "not-a-range"]}]}""", "conditions[1].values" },
        { """{"name": "No conditions", "conditions": []}""", "conditions" },
        { """{"name": "Conditions omitted"}""", "conditions" },
        { $$$"""{"name": "Threshold of one", "conditions": [{{{Condition}}}], "threshold": {"count": 1, "windowMinutes": 5}}""", "threshold.count" },
        { $$$"""{"name": "Huge threshold", "conditions": [{{{Condition}}}], "threshold": {"count": 100001, "windowMinutes": 5}}""", "threshold.count" },
        { $$$"""{"name": "Zero window", "conditions": [{{{Condition}}}], "threshold": {"count": 5, "windowMinutes": 0}}""", "threshold.windowMinutes" },
        { $$$"""{"name": "Bad recipient", "conditions": [{{{Condition}}}], "alertSettings": {"sendEmail": true, "emailRecipients": ["soc@contoso.com", "not an address"]}}""", "alertSettings.emailRecipients" },
        { $$$"""{"name": "No recipient", "conditions": [{{{Condition}}}], "alertSettings": {"sendEmail": true, "emailRecipients": []}}""", "alertSettings.emailRecipients" },
        { $$$"""{"name": "Recipients not a list", "conditions": [{{{Condition}}}], "alertSettings": {"emailRecipients": "soc@contoso.com"}}""", "alertSettings.emailRecipients" },
        { $$$"""{"name": "51 recipients", "conditions": [{{{Condition}}}], "alertSettings": {"sendEmail": true, "emailRecipients": [{{{string.Join(", ", Enumerable.Range(1, 51).Select(i => $"\"analyst{i}@contoso.com\""))}}}]}}""", "alertSettings.emailRecipients" },
        { $$$"""{"name": "Recipient with a header", "conditions": [{{{Condition}}}], "alertSettings": {"sendEmail": true, "emailRecipients": ["soc@contoso.com\r\nBcc: attacker@evil.example"]}}""", "alertSettings.emailRecipients" },
        { $$$"""{"name": "Recipient MimeKit refuses", "conditions": [{{{Condition}}}], "alertSettings": {"sendEmail": true, "emailRecipients": ["ada.@contoso.com"]}}""", "alertSettings.emailRecipients" },
        { $$$"""{"name": "Name with a header\r\nBcc: attacker@evil.example", "conditions": [{{{Condition}}}]}""", "name" },
        { $$$"""{"name": "Zero daily limit", "conditions": [{{{Condition}}}], "alertSettings": {"alertDailyLimit": 0}}""", "alertSettings.alertDailyLimit" },
        { $$$"""{"name": "   ", "conditions": [{{{Condition}}}]}""", "name" },
        { """{"name": "Bad operator", "conditions": [{"field": "user", "operator": "like", "values": ["x"]}]}""", "conditions[0].operator" },
        { """{"name": "Range on a user", "conditions": [{"field": "user", "operator": "ipInRange", "values": ["10.0.0.0/8"]}]}""", "conditions[0].operator" },
        { """{"name": "Unknown activity field", "conditions": [{"field": "colour", "operator": "equals", "values": ["red"]}]}""", "conditions[0].field" },
        { """{"name": "Values not strings", "conditions": [{"field": "user", "operator": "equals", "values": [42]}]}""", "conditions[0].values" },
        { $$$"""{"name": "Severity words", "severity": "extreme", "conditions": [{{{Condition}}}]}""", "severity" },
        { $$$"""{"name": "Unknown type", "policyType": "NOT_A_TYPE", "conditions": [{{{Condition}}}]}""", "policyType" },
        { $$$"""{"name": "Unknown field", "colour": "red", "conditions": [{{{Condition}}}]}""", "colour" },
    };

    [Theory]
    [MemberData(nameof(InvalidPolicies))]
    public async Task CreatingPolicy_ThatBreaksARule_Answers400NamingTheField_AndStoresNothing(string body, string field)
    {
        var portal = await StartAsync();

        var problem = await ProblemAsync(await portal.PostAsync("/api/v1/policies/", body), HttpStatusCode.BadRequest);

        var errors = Errors(problem);
        Assert.True(errors.ContainsKey(field), $"Expected an error on '{field}'; got {string.Join(", ", errors.Keys)}: {problem}");
        Assert.All(errors[field], message => Assert.False(string.IsNullOrWhiteSpace(message)));
        Assert.Equal(0, (await JsonAsync(await portal.GetAsync("/api/v1/policies/"))).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task UpdatingPolicy_WithABadCidr_Answers400NamingConditionsValues_AndChangesNothing()
    {
        var portal = await StartAsync();
        var id = await portal.CreatePolicyAsync("""{"name": "Risky", "conditions": [{"field": "ipAddress", "operator": "ipInRange", "values": ["198.51.100.0/24"]}]}""");
        var before = await JsonAsync(await portal.GetAsync($"/api/v1/policies/{id}/"));

        var problem = await ProblemAsync(await portal.SendAsync(HttpMethod.Put, $"/api/v1/policies/{id}/",
            """{"name": "Renamed", "conditions": [{"field": "ipAddress", "operator": "ipInRange", "values": ["198.51.100.300/24"]}]}"""), HttpStatusCode.BadRequest);

        Assert.Contains("conditions[0].values", Errors(problem).Keys);
        Assert.Equal(before.GetRawText(), (await JsonAsync(await portal.GetAsync($"/api/v1/policies/{id}/"))).GetRawText());
    }
}
