using System.Net.Mail;
using FluentValidation;

namespace AdminPortal.Core.Features.Policies;

/// <summary>Rules for a policy; every failure names the field it is about (e.g. <c>Conditions[1].Values</c>).</summary>
public sealed class PolicyValidator : AbstractValidator<PolicyDraft>
{
    public const int MaxConditions = 20;
    public const int MaxValuesPerCondition = 1000;
    public const int MaxThresholdCount = 10_000;
    public const int MaxThresholdWindowMinutes = 10_080; // a week
    public const int MaxDailyAlertLimit = 1_000;

    public PolicyValidator()
    {
        RuleFor(p => p.Name).Must(n => !string.IsNullOrWhiteSpace(n)).WithMessage("Enter a name.")
            .MaximumLength(200).WithMessage("The name can have at most 200 characters.")
            // The name is the alert title, which becomes an e-mail subject: a line break there would start a new header.
            .Must(n => n is null || !n.Any(char.IsControl)).WithMessage("The name cannot contain line breaks, tabs or other control characters.");
        RuleFor(p => p.Description).MaximumLength(4000).WithMessage("The description can have at most 4000 characters.");
        RuleFor(p => p.Type).IsInEnum().WithMessage("Choose a policy type.");
        RuleFor(p => p.Category).IsInEnum().WithMessage("Choose a category.");
        RuleFor(p => p.Severity).IsInEnum().WithMessage("Choose a severity.");
        RuleFor(p => p.Conditions)
            .Must(c => c.Count > 0).WithMessage("Add at least one condition: a policy with an empty filter would match every activity.")
            .Must(c => c.Count <= MaxConditions).WithMessage($"A policy can have at most {MaxConditions} conditions.");
        RuleForEach(p => p.Conditions).SetValidator(new ConditionValidator());
        When(p => p.UseThreshold, () =>
        {
            RuleFor(p => p.ThresholdCount).InclusiveBetween(2, MaxThresholdCount)
                .WithMessage($"The repeat threshold must be between 2 and {MaxThresholdCount:N0} activities.");
            RuleFor(p => p.ThresholdWindowMinutes).InclusiveBetween(1, MaxThresholdWindowMinutes)
                .WithMessage($"The time window must be between 1 and {MaxThresholdWindowMinutes:N0} minutes.");
        });
        RuleFor(p => p.AlertSettings).SetValidator(new PolicyAlertSettingsValidator());
    }
}

public sealed class ConditionValidator : AbstractValidator<ConditionDraft>
{
    public ConditionValidator()
    {
        RuleFor(c => c.Field).Must(f => ActivityFields.All.Contains(f))
            .WithMessage(c => $"'{c.Field}' is not an activity field; use {string.Join(", ", ActivityFields.All)}.");
        RuleFor(c => c.Operator).IsInEnum().WithMessage("Choose an operator.")
            .Must((c, op) => !ActivityFields.All.Contains(c.Field) || ActivityFields.OperatorsFor(c.Field).Contains(op))
            .WithMessage(c => $"'{ActivityFields.DisplayName(c.Operator)}' cannot be used on {ActivityFields.DisplayName(c.Field)}; IP ranges apply to the IP address only.");
        RuleFor(c => c.Values)
            .Must(v => v.Any(x => !string.IsNullOrWhiteSpace(x))).WithMessage("Enter at least one value.")
            .Must(v => v.Count <= PolicyValidator.MaxValuesPerCondition).WithMessage($"A condition can have at most {PolicyValidator.MaxValuesPerCondition} values.")
            .Must(v => v.All(x => x.Length <= 512)).WithMessage("A value can have at most 512 characters.")
            .Must((c, v) => c.Operator != ConditionOperator.Equals || c.CleanValues().Count() <= 1)
            .WithMessage("'equals' takes one value; use 'is in list' for several.");
        // One rule over the whole list, so the error is on "Conditions[i].Values" and names the bad range.
        RuleFor(c => c.Values)
            .Must(values => values.All(v => string.IsNullOrWhiteSpace(v) || IpAddresses.TryParseNetwork(v.Trim(), out _)))
            .When(c => c.Operator == ConditionOperator.IpInRange)
            .WithMessage(c => $"'{c.Values.First(v => !string.IsNullOrWhiteSpace(v) && !IpAddresses.TryParseNetwork(v.Trim(), out _)).Trim()}' is not a CIDR range: write the network address and prefix, e.g. 203.0.113.0/24 or 2001:db8::/32.");
    }
}

public sealed class PolicyAlertSettingsValidator : AbstractValidator<PolicyAlertSettingsDraft>
{
    public const int MaxRecipients = 50;

    public PolicyAlertSettingsValidator()
    {
        RuleFor(s => s.DailyAlertLimit).InclusiveBetween(1, PolicyValidator.MaxDailyAlertLimit)
            .WithMessage($"The daily alert limit must be between 1 and {PolicyValidator.MaxDailyAlertLimit:N0}.");
        RuleFor(s => s.EmailRecipients)
            .Must(r => r.Count(x => !string.IsNullOrWhiteSpace(x)) <= MaxRecipients).WithMessage($"At most {MaxRecipients} recipients.");
        RuleFor(s => s.EmailRecipients).Must(r => r.All(IsEmailAddress))
            .WithMessage(s => $"'{s.EmailRecipients.First(r => !IsEmailAddress(r)).Trim()}' is not an e-mail address.");
        When(s => s.SendEmail, () =>
            RuleFor(s => s.EmailRecipients).Must(r => r.Any(x => !string.IsNullOrWhiteSpace(x)))
                .WithMessage("Add at least one recipient, or turn off 'Send alert as email'."));
    }

    /// <summary>One plain address: no display name, no second address, no line breaks (header injection).</summary>
    public static bool IsEmailAddress(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
            return true; // blank lines are dropped, not errors
        var text = value.Trim();
        if (text.Length > 254 || text.Any(c => char.IsControl(c) || c is ',' or ';' or '<' or '>' or '"' or ' '))
            return false;
        // Both parsers must agree: MimeKit builds the message, and refuses some forms System.Net.Mail takes (a.@x.com).
        return MailAddress.TryCreate(text, out var address) && address.Address == text
            && MimeKit.MailboxAddress.TryParse(text, out var mailbox) && mailbox.Address == text;
    }
}
