using FastSmtp.Delivery;
using FastSmtp.Session;

namespace FastSmtp.Hosting;

/// <summary>The command-line flags, mapped onto configuration keys (one section; each layer binds its own settings from it).</summary>
internal static class CommandLineSwitches
{
    public static readonly Dictionary<string, string> Mappings = new(StringComparer.Ordinal)
    {
        ["--listen"] = Key(nameof(SmtpServerOptions.Listen)),
        ["--hostname"] = Key(nameof(SessionOptions.Hostname)),
        ["--spool"] = Key(nameof(SmtpServerOptions.Spool)),
        ["--spool-segment-size"] = Key(nameof(SmtpServerOptions.SpoolSegmentSize)),
        ["--mail-dir"] = Key(nameof(DeliveryOptions.MailDir)),
        ["--max-message-size"] = Key(nameof(SessionOptions.MaxMessageSize)),
        ["--max-recipients"] = Key(nameof(SessionOptions.MaxRecipients)),
        ["--max-connections"] = Key(nameof(SessionOptions.MaxConnections)),
        ["--max-sessions-per-client"] = Key(nameof(SessionOptions.MaxSessionsPerClient)),
        ["--max-connections-per-minute"] = Key(nameof(SessionOptions.MaxConnectionsPerMinute)),
        ["--max-messages-per-minute"] = Key(nameof(SessionOptions.MaxMessagesPerMinute)),
        ["--max-recipients-per-minute"] = Key(nameof(SessionOptions.MaxRecipientsPerMinute)),
        ["--min-data-rate"] = Key(nameof(SessionOptions.MinDataRate)),
        ["--limit-relay-clients"] = Key(nameof(SessionOptions.LimitRelayClients)),
        ["--smarthost"] = Key(nameof(SmtpServerOptions.Smarthost)),
        ["--dns"] = Key(nameof(SmtpServerOptions.Dns)),
        ["--mx-port"] = Key(nameof(SmtpServerOptions.MxPort)),
        ["--metrics"] = Key(nameof(SmtpServerOptions.Metrics)),
        ["--log-format"] = Key(nameof(SmtpServerOptions.LogFormat)),
        ["--drain"] = Key(nameof(SessionOptions.Drain)),
        ["--proxy-protocol-from"] = Key(nameof(SessionOptions.ProxyProtocolFrom)),
        ["--proxy-protocol-timeout"] = Key(nameof(SessionOptions.ProxyProtocolTimeout)),
        ["--delivery-concurrency"] = Key(nameof(DeliveryOptions.DeliveryConcurrency)),
        ["--destination-concurrency"] = Key(nameof(DeliveryOptions.DestinationConcurrency)),
        ["--delivery-timeout"] = Key(nameof(DeliveryOptions.DeliveryTimeout)),
        ["--policy"] = Key(nameof(SmtpServerOptions.Policy)),
        ["--tls-cert"] = Key(nameof(SessionOptions.TlsCert)),
        ["--tls-key"] = Key(nameof(SessionOptions.TlsKey)),
        ["--command-timeout"] = Key(nameof(SessionOptions.CommandTimeout)),
        ["--data-timeout"] = Key(nameof(SessionOptions.DataTimeout)),
    };

    private static string Key(string property) => SmtpServerOptions.SectionName + ":" + property;
}
