using Microsoft.Extensions.Options;

namespace FastSmtp.Hosting;

/// <summary>
/// --smarthost-tls, --smarthost-auth and --smarthost-tls-ca checked at start, with the problem
/// named (a missing credentials file is a start-up error, not a queue that silently defers).
/// </summary>
internal sealed class RelaySecurityValidation : IValidateOptions<SmtpServerOptions>
{
    public ValidateOptionsResult Validate(string? name, SmtpServerOptions options) =>
        options.ReadRelaySecurity(out string? problem) is null ? ValidateOptionsResult.Fail(problem!) : ValidateOptionsResult.Success;
}
