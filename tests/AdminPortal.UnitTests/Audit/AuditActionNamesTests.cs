using AdminPortal.Core.Features.Audit;

namespace AdminPortal.UnitTests.Audit;

public sealed class AuditActionNamesTests
{
    [Theory]
    [InlineData(AuditActions.PolicyUpdated, "Policy updated")]
    [InlineData(AuditActions.PlaybookLinked, "Playbook linked")]
    [InlineData(AuditActions.PlaybookTestAlertSent, "Playbook test alert sent")]
    [InlineData(AuditActions.ApiTokenUsedAfterRevocation, "API token used after revocation")]
    [InlineData(AuditActions.SignIn, "Sign-in")]
    [InlineData(AuditActions.SignOut, "Sign-out")]
    [InlineData(AuditActions.SignInLinkIssued, "Sign-in link issued")]
    [InlineData("SomethingNew2Happened", "Something new2 happened")]
    [InlineData("lowercase", "Lowercase")]
    public void Label_IsASentenceDerivedFromTheName(string action, string label) =>
        Assert.Equal(label, AuditActionNames.Label(action));

    [Fact]
    public void All_HoldsEveryAuditActionsConstantOnce_OrderedByLabel()
    {
        Assert.Contains(AuditActions.PlaybookLinked, AuditActionNames.All);
        Assert.Contains(AuditActions.DeliveryReplayed, AuditActionNames.All);
        Assert.Contains(AuditActions.SignIn, AuditActionNames.All);
        Assert.Equal(AuditActionNames.All.Count, AuditActionNames.All.Distinct().Count());
        var fields = typeof(AuditActions).GetFields().Count(f => f.IsLiteral);
        Assert.Equal(fields, AuditActionNames.All.Count);
        Assert.Equal(AuditActionNames.All.Select(AuditActionNames.Label).Order(StringComparer.Ordinal), AuditActionNames.All.Select(AuditActionNames.Label));
    }

    [Fact]
    public void IsKnown_TakesTheExactNamesOnly()
    {
        Assert.True(AuditActionNames.IsKnown(AuditActions.PolicyDeleted));
        Assert.False(AuditActionNames.IsKnown("policydeleted"));
        Assert.False(AuditActionNames.IsKnown("Policy deleted"));
        Assert.False(AuditActionNames.IsKnown(null));
    }
}
