namespace FastSmtp.Hosting;

/// <summary>
/// The server's settings (SPEC.md section 7), bound from the "FastSmtp" configuration section:
/// appsettings.json, FASTSMTP_ environment variables and command-line flags.
/// </summary>
public sealed class SmtpServerOptions
{
    public const string SectionName = "FastSmtp";

    /// <summary>Where to accept SMTP: ADDR:PORT[,ADDR:PORT...].</summary>
    public string Listen { get; set; } = "127.0.0.1:2525";

    /// <summary>Greeting and Received name; the primary host of hosts.txt when empty.</summary>
    public string? Hostname { get; set; }

    public string Spool { get; set; } = "./var/spool";

    public string MailDir { get; set; } = "./var/mail";

    public long MaxMessageSize { get; set; } = 26_214_400;

    public int MaxRecipients { get; set; } = 1000;

    public int MaxConnections { get; set; } = 10_000;

    /// <summary>HOST:PORT that receives all remote mail; none means MX routing.</summary>
    public string? Smarthost { get; set; }

    /// <summary>ADDR:PORT of the DNS server for MX, A/AAAA and DNSBL lookups; none means the system's.</summary>
    public string? Dns { get; set; }

    /// <summary>The port MX hosts are spoken to on (25; another only to test MX routing without privileges).</summary>
    public int MxPort { get; set; } = 25;

    /// <summary>Outbound transactions in flight at once, over all destinations (Postfix's default_process_limit).</summary>
    public int DeliveryConcurrency { get; set; } = 100;

    /// <summary>Outbound connections to one destination at once (Postfix's default_destination_concurrency_limit).</summary>
    public int DestinationConcurrency { get; set; } = 20;

    /// <summary>How long any one step of an outbound session may take.</summary>
    public TimeSpan DeliveryTimeout { get; set; } = TimeSpan.FromMinutes(5);

    public string? TlsCert { get; set; }

    public string? TlsKey { get; set; }

    /// <summary>RFC 5321 4.5.3.2.7: a server waits at least 5 minutes for the next command.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>RFC 5321 4.5.3.2.5: 3 minutes for each block of message data.</summary>
    public TimeSpan DataTimeout { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>Rejected commands after which the session is closed with 421, as Postfix's smtpd_hard_error_limit.</summary>
    public int MaxCommandErrors { get; set; } = 100;
}
