using FastSmtp.Delivery;
using FastSmtp.Session;

namespace FastSmtp.Hosting;

/// <summary>
/// The server's flags: one list, from which the configuration mappings, the argument check and
/// --help are made. Besides these, any configuration key may be given as --Section:Key VALUE
/// (--FastSmtp:MaxCommandErrors 20, --Logging:LogLevel:Default Warning).
/// </summary>
internal static class CommandLineSwitches
{
    public const string ConfigFile = "--config";

    public static readonly CommandLineSwitch[] All =
    [
        new("--listen", Key(nameof(SmtpServerOptions.Listen)), "ADDR:PORT[,...]", "where to accept SMTP"),
        new("--hostname", Key(nameof(SessionOptions.Hostname)), "NAME", "greeting and Received: name"),
        new("--spool", Key(nameof(SmtpServerOptions.Spool)), "DIR", "the durable queue"),
        new("--spool-segment-size", Key(nameof(SmtpServerOptions.SpoolSegmentSize)), "BYTES", "start a new spool log segment past this size"),
        new("--mail-dir", Key(nameof(DeliveryOptions.MailDir)), "DIR", "Maildir root for local recipients"),
        new("--max-message-size", Key(nameof(SessionOptions.MaxMessageSize)), "BYTES", "advertised in SIZE, enforced while reading"),
        new("--max-recipients", Key(nameof(SessionOptions.MaxRecipients)), "N", "recipients per transaction"),
        new("--max-connections", Key(nameof(SessionOptions.MaxConnections)), "N", "concurrent sessions"),
        new("--max-sessions-per-client", Key(nameof(SessionOptions.MaxSessionsPerClient)), "N", "sessions one IP may hold open"),
        new("--max-connections-per-minute", Key(nameof(SessionOptions.MaxConnectionsPerMinute)), "N", "connections one IP may open per minute"),
        new("--max-messages-per-minute", Key(nameof(SessionOptions.MaxMessagesPerMinute)), "N", "MAIL commands per minute per IP or user"),
        new("--max-recipients-per-minute", Key(nameof(SessionOptions.MaxRecipientsPerMinute)), "N", "RCPT commands per minute per IP or user"),
        new("--min-data-rate", Key(nameof(SessionOptions.MinDataRate)), "BYTES", "octets per second inside DATA/BDAT after 10 s"),
        new("--inflow-delay-backlog", Key(nameof(SessionOptions.InflowDelayBacklog)), "N", "queued messages past which MAIL waits for delivery to catch up (0: never)"),
        new("--inflow-delay", Key(nameof(SessionOptions.InflowDelay)), "HH:MM:SS", "the longest MAIL waits past --inflow-delay-backlog"),
        new("--limit-relay-clients", Key(nameof(SessionOptions.LimitRelayClients)), null, "apply the per-client limits to relay.txt clients too"),
        new("--smarthost", Key(nameof(SmtpServerOptions.Smarthost)), "HOST:PORT", "send all remote mail to this host"),
        new("--smarthost-auth", Key(nameof(SmtpServerOptions.SmarthostAuth)), "FILE", "user:password for AUTH to the smarthost (never logged)"),
        new("--smarthost-tls", Key(nameof(SmtpServerOptions.SmarthostTls)), "LEVEL", "TLS to the smarthost and transport.txt hosts: none|may|encrypt|verify|implicit"),
        new("--smarthost-tls-ca", Key(nameof(SmtpServerOptions.SmarthostTlsCa)), "FILE", "PEM roots a verified next hop must chain to (default: the system's)"),
        new("--dns", Key(nameof(SmtpServerOptions.Dns)), "ADDR[:PORT]", "DNS server for MX, A/AAAA and DNSBL lookups"),
        new("--mx-port", Key(nameof(SmtpServerOptions.MxPort)), "PORT", "port spoken to on MX hosts"),
        new("--metrics", Key(nameof(SmtpServerOptions.Metrics)), "ADDR:PORT", "HTTP endpoint for /metrics and /healthz"),
        new("--log-format", Key(nameof(SmtpServerOptions.LogFormat)), "text|json", "log line format"),
        new("--drain", Key(nameof(SessionOptions.Drain)), null, "accept no mail (421 to every connection), keep delivering the queue"),
        new("--proxy-protocol-from", Key(nameof(SessionOptions.ProxyProtocolFrom)), "IP[/PREFIX],...", "load balancers that open connections with a PROXY header"),
        new("--proxy-protocol-timeout", Key(nameof(SessionOptions.ProxyProtocolTimeout)), "HH:MM:SS", "time a balancer has to send its PROXY header"),
        new("--delivery-concurrency", Key(nameof(DeliveryOptions.DeliveryConcurrency)), "N", "outbound transactions in flight"),
        new("--destination-concurrency", Key(nameof(DeliveryOptions.DestinationConcurrency)), "N", "outbound connections to one destination"),
        new("--relay-concurrency", Key(nameof(DeliveryOptions.RelayConcurrency)), "N", "outbound connections to the smarthost or one transport.txt host"),
        new("--delivery-timeout", Key(nameof(DeliveryOptions.DeliveryTimeout)), "HH:MM:SS", "longest step of an outbound session"),
        new("--policy", Key(nameof(SmtpServerOptions.Policy)), "FILE", "the compiled policy"),
        new("--tls-cert", Key(nameof(SessionOptions.TlsCert)), "FILE", "PEM certificate for STARTTLS (with --tls-key)"),
        new("--tls-key", Key(nameof(SessionOptions.TlsKey)), "FILE", "PEM private key for STARTTLS (with --tls-cert)"),
        new("--command-timeout", Key(nameof(SessionOptions.CommandTimeout)), "HH:MM:SS", "idle time between commands"),
        new("--data-timeout", Key(nameof(SessionOptions.DataTimeout)), "HH:MM:SS", "idle time inside DATA/BDAT"),
    ];

    /// <summary>Flag → configuration key, for the command-line configuration source.</summary>
    public static readonly Dictionary<string, string> Mappings = All.ToDictionary(s => s.Name, s => s.Key, StringComparer.Ordinal);

    /// <summary>
    /// Checks the server's arguments: each is a known flag with its value, --config FILE, or a
    /// configuration key (--Section:Key VALUE). Returns the arguments for the configuration
    /// source (a bare switch as NAME=true, --config taken out), or null with the problem.
    /// </summary>
    public static string[]? Check(string[] arguments, out string? configFile, out string? problem)
    {
        var checkedArguments = new List<string>(arguments.Length);
        configFile = null;
        problem = null;
        for (int i = 0; i < arguments.Length; i++)
        {
            string argument = arguments[i];
            int equals = argument.IndexOf('=');
            string name = equals < 0 ? argument : argument[..equals];
            CommandLineSwitch? known = Array.Find(All, s => s.Name == name);
            bool configurationKey = name.StartsWith("--", StringComparison.Ordinal) && name.Contains(':', StringComparison.Ordinal);
            if (known is null && name != ConfigFile && !configurationKey)
            {
                problem = name.StartsWith('-') ? $"unknown option '{name}'" : $"unexpected argument '{argument}'";
                return null;
            }

            if (known is { Value: null })
            {
                checkedArguments.Add(equals < 0 ? argument + "=true" : argument);
                continue;
            }

            string? value = equals >= 0 ? argument[(equals + 1)..] : i + 1 < arguments.Length ? arguments[++i] : null;
            if (value is null)
            {
                problem = $"option '{name}' needs a value";
                return null;
            }

            if (name == ConfigFile)
            {
                configFile = value;
                continue;
            }

            checkedArguments.Add(name + "=" + value);
        }

        return [.. checkedArguments];
    }

    /// <summary>The server's usage, every flag with its value and meaning.</summary>
    public static void WriteHelp(TextWriter output)
    {
        output.WriteLine("usage: FastSmtp [serve] [options]");
        output.WriteLine("       FastSmtp COMMAND [options]   (COMMAND --help for its options)");
        output.WriteLine();
        output.WriteLine("Commands: serve (default), policy check, policy explain, policy reload, hash-password,");
        output.WriteLine("          queue list, queue show, queue flush, queue hold, queue release, queue delete,");
        output.WriteLine("          config show");
        output.WriteLine();
        output.WriteLine("Options (also in appsettings.json, section FastSmtp, or FASTSMTP_NAME environment variables):");
        var rows = All.Select(s => (Flag: s.Value is null ? s.Name : s.Name + " " + s.Value, Help: s.Value is not null && ConfigCommands.DefaultOf(s.Key) is { Length: > 0 } value ? $"{s.Help} [{value}]" : s.Help))
            .Append((Flag: ConfigFile + " FILE", Help: "read settings from FILE instead of appsettings.json beside the server"))
            .Append((Flag: "--help", Help: "print this and exit"))
            .Append((Flag: "--version", Help: "print the version and exit"))
            .ToList();
        int width = rows.Max(r => r.Flag.Length) + 2;
        foreach ((string flag, string help) in rows)
        {
            output.WriteLine("  " + flag.PadRight(width) + help);
        }
    }

    private static string Key(string property) => SmtpServerOptions.SectionName + ":" + property;
}
