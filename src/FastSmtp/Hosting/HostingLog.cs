using Microsoft.Extensions.Logging;

namespace FastSmtp.Hosting;

internal static partial class HostingLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "FastSmtp {Hostname} listening on {Endpoint}, spool {Spool}")]
    public static partial void Listening(ILogger logger, string hostname, string endpoint, string spool);

    [LoggerMessage(EventId = 103, Level = LogLevel.Information, Message = "Metrics on http://{Endpoint}/metrics, health on http://{Endpoint}/healthz")]
    public static partial void MetricsListening(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 104, Level = LogLevel.Warning, Message = "Draining: every connection is answered 421 and the queue is delivered")]
    public static partial void Draining(ILogger logger);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "relay = anyone: this server is an open relay and will be abused and block-listed if it is reachable from the internet")]
    public static partial void OpenRelay(ILogger logger);

    [LoggerMessage(EventId = 105, Level = LogLevel.Warning, Message = "The descriptor limit ({Limit}, ulimit -n) leaves room for {Connections} connections; more are answered 421 (raise LimitNOFILE to allow --max-connections {Configured})")]
    public static partial void DescriptorLimit(ILogger logger, long limit, int connections, int configured);

    [LoggerMessage(EventId = 106, Level = LogLevel.Warning, Message = "ICU is not available (invariant globalization): internationalised domains cannot be mapped (UTS #46) and are all refused 553; install libicu")]
    public static partial void NoIcu(ILogger logger);

    [LoggerMessage(EventId = 107, Level = LogLevel.Information, Message = "Loaded {Identity} from {Path}")]
    public static partial void PolicyLoaded(ILogger logger, string identity, string path);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "FastSmtp stopped: {Messages} messages committed in {Batches} fsync batches")]
    public static partial void Stopped(ILogger logger, long messages, long batches);
}
