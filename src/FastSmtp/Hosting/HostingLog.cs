using Microsoft.Extensions.Logging;

namespace FastSmtp.Hosting;

internal static partial class HostingLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "FastSmtp {Hostname} listening on {Endpoint}, spool {Spool}")]
    public static partial void Listening(ILogger logger, string hostname, string endpoint, string spool);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "FastSmtp stopped: {Messages} messages committed in {Batches} fsync batches")]
    public static partial void Stopped(ILogger logger, long messages, long batches);
}
