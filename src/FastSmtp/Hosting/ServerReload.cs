using System.Diagnostics;
using System.Security.Cryptography;
using FastSmtp.Policy.Loading;
using FastSmtp.Session;
using Microsoft.Extensions.Logging;

namespace FastSmtp.Hosting;

/// <summary>
/// `policy reload` and SIGHUP: load the policy assembly again (or another file) and re-read the
/// TLS certificate and key. Each part that fails keeps what was running and says why; the
/// answer names the active policy either way.
/// </summary>
public sealed partial class ServerReload(SmtpServerContext server, ILogger<ServerReload> logger)
{
    private readonly Lock _reloading = new();

    /// <summary>One line for the operator: the active policy, and what was refused.</summary>
    public ReloadResult Reload(string? policyPath)
    {
        lock (_reloading)
        {
            string? refused = null;
            long started = Stopwatch.GetTimestamp();
            try
            {
                LoadedPolicy loaded = server.Policy.Reload(policyPath);
                LogReloaded(logger, loaded.Policy.Identity.ToString(), loaded.Path, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
            catch (PolicyLoadException exception)
            {
                refused = "policy refused: " + exception.Message;
                LogRefused(logger, exception.Message, server.Policy.Current.Identity.ToString());
            }

            if (!string.IsNullOrEmpty(server.Options.TlsCert))
            {
                try
                {
                    server.ReloadCertificate();
                }
                catch (Exception exception) when (exception is CryptographicException or IOException or UnauthorizedAccessException)
                {
                    refused = (refused is null ? string.Empty : refused + "; ") + "TLS certificate not reloaded: " + exception.Message;
                    LogCertificateRefused(logger, exception.Message);
                }
            }

            string active = "active " + server.Policy.Current.Identity;
            return new ReloadResult(refused is null, refused is null ? "reloaded: " + active : refused + "; " + active);
        }
    }

    [LoggerMessage(EventId = 110, Level = LogLevel.Information, Message = "Reloaded {Identity} from {Path} in {Milliseconds} ms")]
    private static partial void LogReloaded(ILogger logger, string identity, string path, long milliseconds);

    [LoggerMessage(EventId = 111, Level = LogLevel.Error, Message = "Policy reload refused, the old policy stays: {Reason}; active {Identity}")]
    private static partial void LogRefused(ILogger logger, string reason, string identity);

    [LoggerMessage(EventId = 112, Level = LogLevel.Error, Message = "TLS certificate not reloaded, the old one stays: {Reason}")]
    private static partial void LogCertificateRefused(ILogger logger, string reason);
}
