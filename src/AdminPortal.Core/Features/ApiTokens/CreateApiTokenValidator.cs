using FluentValidation;

namespace AdminPortal.Core.Features.ApiTokens;

/// <summary>What "Generate new token" asks for.</summary>
public sealed record CreateApiTokenRequest(string Name, int? ExpiresInDays);

public sealed class CreateApiTokenValidator : AbstractValidator<CreateApiTokenRequest>
{
    public const int MaxNameLength = 100;
    public const int MaxExpiryDays = 3650;

    public CreateApiTokenValidator()
    {
        // The name is stored trimmed, so it is judged trimmed.
        RuleFor(r => r.Name == null ? null : r.Name.Trim())
            .Must(name => !string.IsNullOrWhiteSpace(name)).WithMessage("Name is required.")
            .MaximumLength(MaxNameLength).WithMessage($"Name must be at most {MaxNameLength} characters.")
            .OverridePropertyName(nameof(CreateApiTokenRequest.Name));
        RuleFor(r => r.Name)
            .Must(name => name is null || !name.Any(char.IsControl)).WithMessage("Name must not contain control characters.");
        RuleFor(r => r.ExpiresInDays)
            .InclusiveBetween(1, MaxExpiryDays).When(r => r.ExpiresInDays is not null)
            .WithMessage($"ExpiresInDays must be between 1 and {MaxExpiryDays}.");
    }
}
