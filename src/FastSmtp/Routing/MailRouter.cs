using System.Net;
using FastSmtp.Protocol;

namespace FastSmtp.Routing;

/// <summary>
/// Chooses the next hop for a recipient domain (RFC 5321 section 5): a transport.txt next hop
/// when the policy names one for the domain; else the smarthost when one is set; otherwise the
/// domain's MX hosts, lowest preference first, each host's addresses in turn; with no MX record,
/// the domain's own A/AAAA records (the implicit MX). A domain that does not exist, or a null MX
/// (RFC 7505), is a permanent failure; a DNS server that does not answer is a temporary one.
/// Mail to the smarthost and to transport.txt's hosts goes with <paramref name="relaySecurity"/>'s
/// TLS level (the smarthost's credentials go to the smarthost only); mail to MX hosts with
/// opportunistic TLS.
/// </summary>
public sealed class MailRouter(DnsResolver dns, string? smarthost, int mxPort, OutboundSecurity? relaySecurity = null)
{
    private readonly OutboundSecurity _relaySecurity = relaySecurity ?? OutboundSecurity.Opportunistic;

    /// <summary>A smarthost given as an address needs no lookup: its route is made once, not per message.</summary>
    private readonly Route? _fixedSmarthost = smarthost is not null && IPAddress.TryParse(SplitHostPort(smarthost).Host, out IPAddress? address)
        ? Route.To([new IPEndPoint(address, SplitHostPort(smarthost).Port)], SecurityFor(relaySecurity ?? OutboundSecurity.Opportunistic, smarthost, withCredentials: true))
        : null;

    /// <summary>
    /// The queue key of a destination: all remote mail shares one with a smarthost (no string
    /// made per recipient), all mail for one transport.txt host one per host, and mail by MX
    /// records the domain in lower case, which is also what its route is looked up by.
    /// </summary>
    public string DestinationOf(ReadOnlySpan<char> domain, string? nextHop = null) => nextHop switch
    {
        null when smarthost is not null => "[smarthost]",
        null or TransportMx => domain.ToString().ToLowerInvariant(),
        _ => "[" + nextHop + "]",
    };

    /// <summary>Mail with this transport.txt next hop (null: none) goes to a relay the operator named, not to a domain's MX hosts.</summary>
    public bool GoesToRelay(string? nextHop) => nextHop is null ? smarthost is not null : nextHop != TransportMx;

    /// <summary>transport.txt's next hop meaning "by MX records", past the smarthost.</summary>
    public const string TransportMx = "mx";

    public ValueTask<Route> RouteAsync(string domain, CancellationToken cancellationToken) => RouteAsync(domain, null, cancellationToken);

    /// <summary>The route for <paramref name="domain"/>; <paramref name="nextHop"/> is transport.txt's ("mx" or "host:port"), or null.</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<Route> RouteAsync(string domain, string? nextHop, CancellationToken cancellationToken)
    {
        if (nextHop is not null and not TransportMx)
        {
            return await RelayAsync(nextHop, SecurityFor(_relaySecurity, nextHop, withCredentials: false), cancellationToken);
        }

        if (smarthost is not null && nextHop is null)
        {
            return _fixedSmarthost ?? await RelayAsync(smarthost, SecurityFor(_relaySecurity, smarthost, withCredentials: true), cancellationToken);
        }

        if (Protocol.AddressLiteral.TryParse(domain, out IPAddress? literal))
        {
            return Route.To([new IPEndPoint(literal, mxPort)]);
        }

        (DnsStatus mxStatus, List<string> hosts) = await dns.MailExchangersAsync(domain, cancellationToken);
        switch (mxStatus)
        {
            case DnsStatus.Failed:
                return Route.Unroutable(new NextHopReply(451, $"4.4.3 temporary DNS failure looking up the MX of {domain}"));
            case DnsStatus.NoSuchDomain:
                return Route.Unroutable(new NextHopReply(550, $"5.1.2 domain {domain} does not exist"));
            case DnsStatus.NoRecords:
                hosts = [domain];
                break;
            case DnsStatus.Found when hosts is [""]:
                return Route.Unroutable(new NextHopReply(556, $"5.1.10 domain {domain} does not accept mail (null MX)"));
        }

        var endpoints = new List<IPEndPoint>();
        bool failed = false;
        foreach (string host in hosts)
        {
            (DnsStatus status, List<IPAddress> addresses) = await dns.AddressesAsync(host, cancellationToken);
            failed |= status == DnsStatus.Failed;
            endpoints.AddRange(addresses.Select(address => new IPEndPoint(address, mxPort)));
        }

        if (endpoints.Count > 0)
        {
            return Route.To(endpoints);
        }

        return failed
            ? Route.Unroutable(new NextHopReply(451, $"4.4.3 temporary DNS failure looking up the mail hosts of {domain}"))
            : Route.Unroutable(new NextHopReply(550, $"5.1.2 no mail host found for {domain}"));
    }

    /// <summary>The addresses mail for <paramref name="domain"/> would go to by MX (the backup-server rule asks this).</summary>
    public async Task<List<IPAddress>> MailHostAddressesAsync(string domain, CancellationToken cancellationToken)
    {
        (DnsStatus status, List<string> hosts) = await dns.MailExchangersAsync(domain, cancellationToken);
        if (status == DnsStatus.NoRecords)
        {
            hosts = [domain];
        }

        var addresses = new List<IPAddress>();
        foreach (string host in hosts.Where(h => h.Length > 0))
        {
            addresses.AddRange((await dns.AddressesAsync(host, cancellationToken)).Addresses);
        }

        return addresses;
    }

    /// <summary>The relay's security with its own host name (SNI, the name verified), and the credentials only for the smarthost.</summary>
    private static OutboundSecurity SecurityFor(OutboundSecurity relay, string hostAndPort, bool withCredentials) =>
        relay with { HostName = SplitHostPort(hostAndPort).Host, Credentials = withCredentials ? relay.Credentials : null };

    /// <summary>A relay host the operator named (the smarthost, a transport.txt host): its addresses, from DNS or /etc/hosts.</summary>
    private async Task<Route> RelayAsync(string hostAndPort, OutboundSecurity security, CancellationToken cancellationToken)
    {
        (string host, int port) = SplitHostPort(hostAndPort);
        if (IPAddress.TryParse(host, out IPAddress? address))
        {
            return Route.To([new IPEndPoint(address, port)], security);
        }

        (DnsStatus status, List<IPAddress> addresses) = await dns.AddressesAsync(host, cancellationToken);
        if (status != DnsStatus.Found)
        {
            try
            {
                // The smarthost is the operator's own machine: /etc/hosts counts.
                addresses = [.. await Dns.GetHostAddressesAsync(host, cancellationToken)];
            }
            catch (System.Net.Sockets.SocketException)
            {
                return Route.Unroutable(new NextHopReply(451, $"4.4.3 cannot resolve the relay host {host}"));
            }
        }

        return Route.To(addresses.Select(a => new IPEndPoint(a, port)).ToList(), security);
    }

    /// <summary>HOST:PORT, [HOST]:PORT or [IPv6]:PORT; port 25 when none is given.</summary>
    public static (string Host, int Port) SplitHostPort(string value)
    {
        if (IPEndPoint.TryParse(value, out IPEndPoint? endpoint) && (value.Contains(']') || value.Count(c => c == ':') == 1))
        {
            return (endpoint.Address.ToString(), endpoint.Port == 0 ? 25 : endpoint.Port);
        }

        int colon = value.LastIndexOf(':');
        string host = colon > 0 && !value[..colon].Contains(':') ? value[..colon] : value;
        int port = colon > 0 && host.Length < value.Length && int.TryParse(value[(colon + 1)..], out int p) ? p : 25;
        return (host.Trim('[', ']'), port);
    }
}
