namespace FastSmtp.Hosting;

/// <summary>
/// The host's own settings (where to listen, the spool, logs, metrics, routing, the policy file),
/// bound from the "FastSmtp" configuration section: appsettings.json, FASTSMTP_ environment
/// variables and command-line flags. The session's and delivery's settings are bound from the
/// same section into <see cref="Session.SessionOptions"/> and <see cref="Delivery.DeliveryOptions"/>.
/// </summary>
public sealed class SmtpServerOptions
{
    public const string SectionName = "FastSmtp";

    /// <summary>Where to accept SMTP: ADDR:PORT[,ADDR:PORT...].</summary>
    public string Listen { get; set; } = "127.0.0.1:2525";

    public string Spool { get; set; } = "./var/spool";

    /// <summary>Size past which the spool starts a new log segment; space comes back a segment at a time.</summary>
    public long SpoolSegmentSize { get; set; } = FastSmtp.Queue.SpoolFormat.SegmentRolloverLength;

    /// <summary>Log lines as text (default) or as one JSON object per line with the message's named values.</summary>
    public string LogFormat { get; set; } = "text";

    /// <summary>ADDR:PORT of the HTTP endpoint for /metrics (Prometheus text) and /healthz; none means no endpoint.</summary>
    public string? Metrics { get; set; }

    /// <summary>HOST:PORT that receives all remote mail; none means MX routing.</summary>
    public string? Smarthost { get; set; }

    /// <summary>ADDR:PORT of the DNS server for MX, A/AAAA and DNSBL lookups; none means the system's.</summary>
    public string? Dns { get; set; }

    /// <summary>The port MX hosts are spoken to on (25; another only to test MX routing without privileges).</summary>
    public int MxPort { get; set; } = 25;

    /// <summary>The compiled policy (FastSmtp.Policy.dll); empty for the one beside the server.</summary>
    public string? Policy { get; set; }
}
