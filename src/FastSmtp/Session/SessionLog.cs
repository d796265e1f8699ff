using Microsoft.Extensions.Logging;

namespace FastSmtp.Session;

/// <summary>The session's log lines, source-generated so a disabled level costs nothing.</summary>
internal static partial class SessionLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Session from {ClientIp} ended: {Outcome}; {Messages} messages accepted")]
    public static partial void SessionEnded(ILogger logger, string clientIp, string outcome, int messages);

    /// <summary>A line per accepted message, written without a message string (<see cref="QueuedLogMessage"/>).</summary>
    public static void MessageQueued(ILogger logger, FastSmtp.Queue.QueueId queueId, string clientIp, int recipients, long size)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.Log(LogLevel.Information, new EventId(QueuedLogMessage.EventId, nameof(MessageQueued)), new QueuedLogMessage(queueId, clientIp, recipients, size), null, static (message, _) => message.ToString());
        }
    }

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Message from {ClientIp} not queued: {Result}")]
    public static partial void MessageNotQueued(ILogger logger, string clientIp, string result);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "TLS handshake with {ClientIp} failed")]
    public static partial void TlsHandshakeFailed(ILogger logger, Exception exception, string clientIp);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "{ClientIp} authenticated as {User}")]
    public static partial void Authenticated(ILogger logger, string clientIp, string user);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "AUTH failed for {ClientIp} ({Failures} failures from this address)")]
    public static partial void AuthenticationFailed(ILogger logger, string clientIp, int failures);

    [LoggerMessage(EventId = 14, Level = LogLevel.Warning, Message = "AUTH from {ClientIp} not verified: too many verifications in progress")]
    public static partial void AuthenticationBusy(ILogger logger, string clientIp);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning, Message = "Auto-denied {ClientIp} until restart: command line over 512 octets")]
    public static partial void AutoDenied(ILogger logger, string clientIp);

    /// <summary>Every refusal, at every stage, as Postfix's "NOQUEUE: reject:" line, with the rule (file:line) behind it.</summary>
    [LoggerMessage(EventId = 9, Level = LogLevel.Information, Message = "{QueueId}: reject: {Stage} from [{ClientIp}]: {Reply}; from=<{Sender}> to=<{Recipient}> helo=<{Helo}> rule={Rule}")]
    public static partial void Refused(ILogger logger, string queueId, string stage, string clientIp, string reply, string sender, string recipient, string helo, string rule);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Refused {ClientIp}: {Active} sessions already open")]
    public static partial void TooManyConnections(ILogger logger, string clientIp, int active);

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "Limited {ClientIp}: {Limit} of {Subject} exceeded")]
    public static partial void ClientLimited(ILogger logger, string clientIp, string limit, string subject);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "Refused load balancer {PeerIp}: PROXY header {Problem}")]
    public static partial void ProxyHeaderRefused(ILogger logger, string peerIp, string problem);

    [LoggerMessage(EventId = 13, Level = LogLevel.Warning, Message = "Refused {ClientIp}: sent a PROXY header but is not in --proxy-protocol-from")]
    public static partial void ProxyHeaderFromUnlistedClient(ILogger logger, string clientIp);
}
