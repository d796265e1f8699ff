using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using FastSmtp.Policy;
using FastSmtp.Policy.Loading;
using FastSmtp.Queue;
using FastSmtp.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FastSmtp.Session;

/// <summary>
/// What every session shares: settings, the store, and the replies that depend only on the
/// settings, encoded once at start-up so a session never formats them.
/// </summary>
public sealed class SmtpServerContext
{
    private readonly byte[][] _ehloReplies;
    private SslServerAuthenticationOptions? _tls;

    /// <summary>Concurrent sessions: --max-connections, or fewer when the host's descriptor limit leaves room for fewer.</summary>
    public int MaxConnections { get; init; }

    /// <summary>The clock sessions wait on (AUTH's throttle delay); tests give a fake one.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    public SmtpServerContext(IOptions<SessionOptions> options, IMessageStore store, ILoggerFactory loggerFactory, ActivePolicy policy, AutoDenyList? autoDeny = null, AuthFailureThrottle? authFailures = null, MailRouter? router = null, DnsResolver? dns = null)
    {
        Router = router;
        Dns = dns;
        Options = options.Value;
        Policy = policy;
        MaxConnections = Options.MaxConnections;
        Store = store;
        AutoDeny = autoDeny ?? new AutoDenyList();
        AuthFailures = authFailures ?? new AuthFailureThrottle();
        Limits = new ClientLimits(Options);
        Logger = loggerFactory.CreateLogger("FastSmtp.Session");
        // The name is chosen once: a reload that changes hosts.txt does not rename a running server.
        Hostname = ChooseHostname(Options, Policy.Current);
        HostnameUtf8 = Encoding.ASCII.GetBytes(Hostname);
        if (!string.IsNullOrEmpty(Options.TlsCert))
        {
            ReloadCertificate();
        }

        Greeting = Line($"220 {Hostname} ESMTP FastSmtp");
        HeloReply = Line($"250 {Hostname}");
        _ehloReplies =
        [
            Ehlo(offerStartTls: Certificate is not null, offerAuth: false),
            Ehlo(offerStartTls: Certificate is not null, offerAuth: true),
            Ehlo(offerStartTls: false, offerAuth: false),
            Ehlo(offerStartTls: false, offerAuth: true),
        ];
        TimeoutReply = Line($"421 4.4.2 {Hostname} Error: timeout exceeded");
        ShuttingDownReply = Line($"421 4.3.2 {Hostname} Service shutting down, closing transmission channel");
        TooManyConnectionsReply = Line($"421 4.7.0 {Hostname} Error: too many connections");
        TooManyErrorsReply = Line($"421 4.7.0 {Hostname} Error: too many errors");
        DrainingReply = Line($"421 4.3.2 {Hostname} Service not available: draining, try another server");
        DataTooSlowReply = Line($"421 4.4.2 {Hostname} Error: data rate too low, closing transmission channel");
        ProxyHeaderRefusedReply = Line($"421 4.7.0 {Hostname} Error: malformed or missing PROXY header");
        ProxyPeers = ParseProxyPeers(Options.ProxyProtocolFrom, out _);
    }

    /// <summary>The server's name: --hostname, else the primary host of hosts.txt.</summary>
    public static string ChooseHostname(SessionOptions options, SecurityPolicy policy) =>
        string.IsNullOrWhiteSpace(options.Hostname) ? policy.PrimaryHost : options.Hostname.Trim();

    /// <summary>The load balancers that must open each connection with a PROXY header (--proxy-protocol-from).</summary>
    public IPNetwork[] ProxyPeers { get; }

    /// <summary>At connect, while --drain: no mail is accepted.</summary>
    public byte[] DrainingReply { get; }

    /// <summary>Inside DATA/BDAT, to a client below --min-data-rate.</summary>
    public byte[] DataTooSlowReply { get; }

    /// <summary>To a listed balancer whose header could not be read: the client behind it retries later.</summary>
    public byte[] ProxyHeaderRefusedReply { get; }

    /// <summary>The connection comes from a listed load balancer.</summary>
    public bool IsProxyPeer(IPAddress? address)
    {
        if (address is null)
        {
            return false;
        }

        foreach (IPNetwork peer in ProxyPeers)
        {
            if (peer.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>"IP" or "IP/PREFIX", comma-separated; null (with the bad entry) when one is neither.</summary>
    public static IPNetwork[] ParseProxyPeers(string? list, out string? bad)
    {
        bad = null;
        var peers = new List<IPNetwork>();
        foreach (string entry in (list ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (IPNetwork.TryParse(entry, out IPNetwork network))
            {
                peers.Add(network);
            }
            else if (IPAddress.TryParse(entry, out IPAddress? address))
            {
                peers.Add(new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            }
            else
            {
                bad = entry;
                return [];
            }
        }

        return [.. peers];
    }

    public SessionOptions Options { get; }

    /// <summary>Sessions, connections, messages and recipients per client (relay.txt clients exempt).</summary>
    internal ClientLimits Limits { get; }

    /// <summary>For the backup-server rule (a recipient domain whose mail host is in relay.txt); null without DNS.</summary>
    public MailRouter? Router { get; }

    /// <summary>For the dnsbl filter; null without DNS.</summary>
    public DnsResolver? Dns { get; }

    /// <summary>The policy new sessions start with; each session keeps the one it started with.</summary>
    public ActivePolicy Policy { get; }

    public IMessageStore Store { get; }

    public ILogger Logger { get; }

    public string Hostname { get; }

    public byte[] HostnameUtf8 { get; }

    /// <summary>The certificate new STARTTLS handshakes present (--tls-cert), or null without TLS.</summary>
    public X509Certificate2? Certificate => (X509Certificate2?)TlsOptions?.ServerCertificate;

    public SslServerAuthenticationOptions? TlsOptions => Volatile.Read(ref _tls);

    /// <summary>
    /// Reads --tls-cert and --tls-key again (at start and at each reload): handshakes from now on
    /// present the new certificate, those under way finish with the old one.
    /// </summary>
    /// <exception cref="System.Security.Cryptography.CryptographicException">The files do not hold a certificate and its key.</exception>
    public void ReloadCertificate()
    {
        var certificate = X509Certificate2.CreateFromPemFile(Options.TlsCert!, Options.TlsKey);
        Volatile.Write(ref _tls, new SslServerAuthenticationOptions
        {
            ServerCertificate = certificate,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            ClientCertificateRequired = false,
        });
    }

    public byte[] Greeting { get; }

    public byte[] HeloReply { get; }

    /// <summary>Clients denied for hack attempts, until restart.</summary>
    public AutoDenyList AutoDeny { get; }

    /// <summary>Failed AUTH attempts per client IP.</summary>
    public AuthFailureThrottle AuthFailures { get; }

    /// <summary>Password verifications: a few at a time, the rest queued briefly or told to come back.</summary>
    public PasswordVerificationGate PasswordVerifications { get; init; } = new();

    /// <summary>
    /// The EHLO reply: STARTTLS while a certificate is configured and the session is not yet
    /// TLS; AUTH when the session's policy advertises it.
    /// </summary>
    public byte[] EhloReply(bool tls, bool advertiseAuth) => _ehloReplies[(tls ? 2 : 0) + (advertiseAuth ? 1 : 0)];

    public byte[] TimeoutReply { get; }

    public byte[] ShuttingDownReply { get; }

    public byte[] TooManyConnectionsReply { get; }

    public byte[] TooManyErrorsReply { get; }

    private byte[] Ehlo(bool offerStartTls, bool offerAuth)
    {
        var lines = new List<string>
        {
            Hostname,
            "PIPELINING",
            FormattableString.Invariant($"SIZE {Options.MaxMessageSize}"),
            "8BITMIME",
            "SMTPUTF8",
            "ENHANCEDSTATUSCODES",
            "CHUNKING",
            "DSN",
        };
        if (offerStartTls)
        {
            lines.Add("STARTTLS");
        }

        if (offerAuth)
        {
            lines.Add("AUTH PLAIN LOGIN");
        }

        var builder = new StringBuilder();
        for (int i = 0; i < lines.Count; i++)
        {
            builder.Append("250").Append(i == lines.Count - 1 ? ' ' : '-').Append(lines[i]).Append("\r\n");
        }

        return Encoding.ASCII.GetBytes(builder.ToString());
    }

    private static byte[] Line(string text) => Encoding.ASCII.GetBytes(text + "\r\n");
}
