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

    /// <summary>A file holding "user:password" for AUTH PLAIN/LOGIN to the smarthost (read at start; never logged).</summary>
    public string? SmarthostAuth { get; set; }

    /// <summary>TLS to the smarthost and transport.txt's hosts: none, may, encrypt, verify or implicit.</summary>
    public string SmarthostTls { get; set; } = "may";

    /// <summary>PEM certificates a verified next hop must chain to, instead of the system's roots.</summary>
    public string? SmarthostTlsCa { get; set; }

    /// <summary>ADDR:PORT of the DNS server for MX, A/AAAA and DNSBL lookups; none means the system's.</summary>
    public string? Dns { get; set; }

    /// <summary>The port MX hosts are spoken to on (25; another only to test MX routing without privileges).</summary>
    public int MxPort { get; set; } = 25;

    /// <summary>The compiled policy (FastSmtp.Policy.dll); empty for the one beside the server.</summary>
    public string? Policy { get; set; }

    /// <summary>
    /// How connections to the smarthost and to transport.txt's hosts are secured, with the
    /// credentials and trusted roots read from their files; null with the problem when a
    /// setting or a file is wrong (a start-up error, not a deferred queue).
    /// </summary>
    public Routing.OutboundSecurity? ReadRelaySecurity(out string? problem)
    {
        problem = null;
        if (!Enum.TryParse(SmarthostTls, ignoreCase: true, out Routing.OutboundTls tls) || !Enum.IsDefined(tls) || SmarthostTls.Any(char.IsDigit))
        {
            problem = "--smarthost-tls must be none, may, encrypt, verify or implicit";
            return null;
        }

        Routing.SmtpCredentials? credentials = null;
        System.Security.Cryptography.X509Certificates.X509Certificate2Collection? roots = null;
        try
        {
            if (!string.IsNullOrEmpty(SmarthostAuth))
            {
                credentials = Routing.SmtpCredentials.Parse(File.ReadAllText(SmarthostAuth));
                if (credentials is null)
                {
                    problem = $"--smarthost-auth {SmarthostAuth} must hold one line, user:password";
                    return null;
                }
            }

            if (!string.IsNullOrEmpty(SmarthostTlsCa))
            {
                roots = [];
                roots.ImportFromPemFile(SmarthostTlsCa);
                if (roots.Count == 0)
                {
                    problem = $"--smarthost-tls-ca {SmarthostTlsCa} holds no PEM certificate";
                    return null;
                }
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            problem = $"cannot read {(credentials is null && !string.IsNullOrEmpty(SmarthostAuth) ? "--smarthost-auth" : "--smarthost-tls-ca")}: {exception.Message}";
            return null;
        }

        return new Routing.OutboundSecurity(tls, Credentials: credentials, TrustedRoots: roots);
    }
}
