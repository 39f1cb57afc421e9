using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AdminPortal.Core.Features.Email;

public static class EmailSetup
{
    /// <summary>What queues and describes alert e-mail: the web app and the CLI (whose ingest queues it too).</summary>
    public static IServiceCollection AddPortalEmailOutbox(this IServiceCollection services)
    {
        services.AddOptions<EmailOptions>().BindConfiguration(EmailOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<EmailOptions>, EmailOptionsCheck>();
        services.AddSingleton<EmailOutbox>();
        services.AddSingleton<SmtpMailer>();
        services.AddSingleton<EmailService>();
        return services;
    }

    /// <summary>The background sender (the web app; CLI commands only queue).</summary>
    public static IHostApplicationBuilder AddPortalEmail(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<EmailSignal>();
        builder.Services.AddHostedService<EmailSenderService>();
        return builder;
    }
}

/// <summary>Stops the start with the one setting to fix (<see cref="EmailOptions.Problem"/>).</summary>
internal sealed class EmailOptionsCheck : IValidateOptions<EmailOptions>
{
    public ValidateOptionsResult Validate(string? name, EmailOptions options) =>
        options.Problem() is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
}
