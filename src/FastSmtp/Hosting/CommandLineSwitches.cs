namespace FastSmtp.Hosting;

/// <summary>The command-line flags, mapped onto configuration keys.</summary>
internal static class CommandLineSwitches
{
    public static readonly Dictionary<string, string> Mappings = new(StringComparer.Ordinal)
    {
        ["--listen"] = Key(nameof(SmtpServerOptions.Listen)),
        ["--hostname"] = Key(nameof(SmtpServerOptions.Hostname)),
        ["--spool"] = Key(nameof(SmtpServerOptions.Spool)),
        ["--spool-segment-size"] = Key(nameof(SmtpServerOptions.SpoolSegmentSize)),
        ["--mail-dir"] = Key(nameof(SmtpServerOptions.MailDir)),
        ["--max-message-size"] = Key(nameof(SmtpServerOptions.MaxMessageSize)),
        ["--max-recipients"] = Key(nameof(SmtpServerOptions.MaxRecipients)),
        ["--max-connections"] = Key(nameof(SmtpServerOptions.MaxConnections)),
        ["--max-sessions-per-client"] = Key(nameof(SmtpServerOptions.MaxSessionsPerClient)),
        ["--max-connections-per-minute"] = Key(nameof(SmtpServerOptions.MaxConnectionsPerMinute)),
        ["--max-messages-per-minute"] = Key(nameof(SmtpServerOptions.MaxMessagesPerMinute)),
        ["--max-recipients-per-minute"] = Key(nameof(SmtpServerOptions.MaxRecipientsPerMinute)),
        ["--min-data-rate"] = Key(nameof(SmtpServerOptions.MinDataRate)),
        ["--limit-relay-clients"] = Key(nameof(SmtpServerOptions.LimitRelayClients)),
        ["--smarthost"] = Key(nameof(SmtpServerOptions.Smarthost)),
        ["--dns"] = Key(nameof(SmtpServerOptions.Dns)),
        ["--mx-port"] = Key(nameof(SmtpServerOptions.MxPort)),
        ["--metrics"] = Key(nameof(SmtpServerOptions.Metrics)),
        ["--log-format"] = Key(nameof(SmtpServerOptions.LogFormat)),
        ["--drain"] = Key(nameof(SmtpServerOptions.Drain)),
        ["--proxy-protocol-from"] = Key(nameof(SmtpServerOptions.ProxyProtocolFrom)),
        ["--proxy-protocol-timeout"] = Key(nameof(SmtpServerOptions.ProxyProtocolTimeout)),
        ["--delivery-concurrency"] = Key(nameof(SmtpServerOptions.DeliveryConcurrency)),
        ["--destination-concurrency"] = Key(nameof(SmtpServerOptions.DestinationConcurrency)),
        ["--delivery-timeout"] = Key(nameof(SmtpServerOptions.DeliveryTimeout)),
        ["--policy"] = Key(nameof(SmtpServerOptions.Policy)),
        ["--tls-cert"] = Key(nameof(SmtpServerOptions.TlsCert)),
        ["--tls-key"] = Key(nameof(SmtpServerOptions.TlsKey)),
        ["--command-timeout"] = Key(nameof(SmtpServerOptions.CommandTimeout)),
        ["--data-timeout"] = Key(nameof(SmtpServerOptions.DataTimeout)),
    };

    private static string Key(string property) => SmtpServerOptions.SectionName + ":" + property;
}
