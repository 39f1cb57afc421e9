using AdminPortal.Core.Features.Policies;
using static AdminPortal.UnitTests.Policies.PolicyTestData;

namespace AdminPortal.UnitTests.Policies;

public sealed class PolicyTemplatesTests
{
    private const string Creator = "ada@contoso.com";

    public static TheoryData<string> TemplateIds => new(PolicyTemplates.All.Select(t => t.Id));

    private static CompiledPolicy Compile(string templateId, string creator = Creator)
    {
        var draft = PolicyTemplates.DraftFrom(PolicyTemplates.Find(templateId)!, creator);
        var policy = new Policy { Name = "placeholder" };
        draft.ApplyTo(policy);
        return CompiledPolicy.Compile(policy);
    }

    [Fact]
    public void TheFiveTemplatesOfTheDesign_Ship() =>
        Assert.Equal(["external-share", "failed-logons", "mass-download", "risky-country", "risky-ip"], PolicyTemplates.All.Select(t => t.Id).Order());

    [Theory]
    [MemberData(nameof(TemplateIds))]
    public void EachTemplatesDraft_PassesTheValidator(string id)
    {
        var draft = PolicyTemplates.DraftFrom(PolicyTemplates.Find(id)!, Creator);

        var result = new PolicyValidator().Validate(draft);

        Assert.True(result.IsValid, string.Join("; ", result.Errors.Select(e => $"{e.PropertyName}: {e.ErrorMessage}")));
    }

    [Theory]
    [MemberData(nameof(TemplateIds))]
    public void EachTemplatesDraft_Compiles_AndRemembersItsTemplate(string id)
    {
        var template = PolicyTemplates.Find(id)!;
        var draft = PolicyTemplates.DraftFrom(template, Creator);
        var policy = new Policy { Name = "placeholder" };

        draft.ApplyTo(policy);
        var compiled = CompiledPolicy.Compile(policy);

        Assert.Equal(id, policy.TemplateId);
        Assert.Equal(template.Name, compiled.Name);
        Assert.Equal(template.Category, compiled.Category);
    }

    [Theory]
    [InlineData("MASS-DOWNLOAD")]
    [InlineData("mass-download")]
    public void Find_IgnoresCase(string id) => Assert.Equal("mass-download", PolicyTemplates.Find(id)?.Id);

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("mass download")]
    public void Find_AnUnknownId_IsNull(string? id) => Assert.Null(PolicyTemplates.Find(id));

    [Fact]
    public void TheExternalShareTemplate_JudgesTheTargetUserAgainstTheCreatorsDomain()
    {
        var draft = PolicyTemplates.DraftFrom(PolicyTemplates.Find("external-share")!, "ada@fabrikam.com");

        var condition = Assert.Single(draft.Conditions, c => c.Field == ActivityFields.TargetUser);
        Assert.Equal(ConditionOperator.DoesNotEndWith, condition.Operator);
        Assert.Equal(["@fabrikam.com"], condition.Values);
    }

    [Theory]
    [InlineData("eve@gmail.com", true)]
    [InlineData("carol@contoso.com", false)]
    [InlineData("CAROL@Contoso.COM", false)]
    [InlineData("mallory@evilcontoso.com", true)]
    [InlineData("dave@sub.contoso.com", true)]
    public void TheExternalSharePolicy_AlertsOnSharesOutsideTheCreatorsDomain(string targetUser, bool expected)
    {
        var policy = Compile("external-share");

        Assert.Equal(expected, policy.Matches(Activity(T0, type: "FileShare", targetUser: targetUser)));
        Assert.False(policy.Matches(Activity(T0, type: "FileDownload", targetUser: targetUser)));
    }

    [Fact]
    public void TheMassDownloadPolicy_AlertsOnThirtyDownloadsInFiveMinutes()
    {
        var policy = Compile("mass-download");
        var state = new InMemoryPolicyEngineState();
        var downloads = Enumerable.Range(0, 30).Select(i => Activity(T0.AddSeconds(i * 9))).ToArray();

        Assert.Empty(Raise(policy, state, T0, downloads[..29]).Triggers);
        Assert.Single(Raise(policy, state, T0, downloads[29]).Triggers);
    }

    [Fact]
    public void TheRiskyIpPolicy_MatchesItsExampleRanges()
    {
        var policy = Compile("risky-ip");

        Assert.True(policy.Matches(Activity(T0, ip: "203.0.113.10")));
        Assert.True(policy.Matches(Activity(T0, ip: "198.51.100.10")));
        Assert.False(policy.Matches(Activity(T0, ip: "192.0.2.10")));
    }

    [Fact]
    public void TheRiskyCountryPolicy_NeedsALogOnFromAListedCountry()
    {
        var policy = Compile("risky-country");

        Assert.True(policy.Matches(Activity(T0, type: "LogOn", country: "KP")));
        Assert.True(policy.Matches(Activity(T0, type: "LogOnFailed", country: "IR")));
        Assert.False(policy.Matches(Activity(T0, type: "LogOn", country: "NL")));
        Assert.False(policy.Matches(Activity(T0, type: "FileDownload", country: "KP")));
    }
}
