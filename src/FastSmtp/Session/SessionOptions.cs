namespace FastSmtp.Session;

/// <summary>
/// What a session and the connections before it may do: limits, timeouts, TLS and the name it
/// greets with. Bound from the server's "FastSmtp" configuration section.
/// </summary>
public sealed class SessionOptions
{
    /// <summary>Greeting and Received name; the primary host of hosts.txt when empty.</summary>
    public string? Hostname { get; set; }

    public long MaxMessageSize { get; set; } = 26_214_400;

    public int MaxRecipients { get; set; } = 1000;

    public int MaxConnections { get; set; } = 10_000;

    // Per-client limits (0 = off). relay.txt clients are exempt. The defaults stop one runaway
    // client without touching a busy legitimate one; Postfix's count limit is 50 too.

    /// <summary>Apply the per-client limits to relay.txt clients too (by default they are exempt, as Postfix exempts mynetworks).</summary>
    public bool LimitRelayClients { get; set; }

    /// <summary>Sessions one IP address may hold open at once (Postfix's smtpd_client_connection_count_limit).</summary>
    public int MaxSessionsPerClient { get; set; } = 50;

    /// <summary>Connections one IP address may open per minute (smtpd_client_connection_rate_limit).</summary>
    public int MaxConnectionsPerMinute { get; set; } = 600;

    /// <summary>Messages (MAIL commands) per minute per IP address, or per user once authenticated (smtpd_client_message_rate_limit).</summary>
    public int MaxMessagesPerMinute { get; set; } = 1200;

    /// <summary>Recipients (RCPT commands) per minute per IP address, or per user once authenticated (smtpd_client_recipient_rate_limit).</summary>
    public int MaxRecipientsPerMinute { get; set; } = 6000;

    /// <summary>
    /// Octets per second a client must keep up inside DATA or BDAT once the first 10 seconds are
    /// over, against slow-loris clients that send just enough to reset each read's timeout.
    /// </summary>
    public int MinDataRate { get; set; } = 240;

    /// <summary>
    /// Backpressure: while this many messages or more are queued and unfinished, MAIL's 250
    /// waits until the backlog is under the bound again, at most <see cref="InflowDelay"/> (as
    /// Postfix's in_flow_delay ties arrivals to deliveries), so senders slow to what delivery
    /// keeps up with instead of the queue growing without bound; never refused. 0 turns it off.
    /// </summary>
    public int InflowDelayBacklog { get; set; } = 10_000;

    /// <summary>The longest a MAIL waits for the backlog to fall under <see cref="InflowDelayBacklog"/> (well inside a client's 5-minute MAIL timeout).</summary>
    public TimeSpan InflowDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long into DATA/BDAT before <see cref="MinDataRate"/> applies (TCP slow start, a slow first chunk).</summary>
    public TimeSpan MinDataRateGrace { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Load balancers (IP or IP/PREFIX, comma-separated) whose connections open with a PROXY
    /// protocol header naming the real client; nobody else may send one.
    /// </summary>
    public string? ProxyProtocolFrom { get; set; }

    /// <summary>How long a listed balancer has to send its PROXY header (Postfix's smtpd_upstream_proxy_timeout is 5 s).</summary>
    public TimeSpan ProxyProtocolTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Accept no mail (every connection is answered 421), keep delivering the queue: taking an instance out.</summary>
    public bool Drain { get; set; }

    public string? TlsCert { get; set; }

    public string? TlsKey { get; set; }

    /// <summary>RFC 5321 4.5.3.2.7: a server waits at least 5 minutes for the next command.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>RFC 5321 4.5.3.2.5: 3 minutes for each block of message data.</summary>
    public TimeSpan DataTimeout { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>Rejected commands after which the session is closed with 421, as Postfix's smtpd_hard_error_limit.</summary>
    public int MaxCommandErrors { get; set; } = 100;
}
