using System.Net;
using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;

namespace FastSmtp.Routing;

/// <summary>
/// MX, A/AAAA and DNSBL questions through DnsClient, to the server given by --dns or the
/// system's. Answers are cached for their TTL (DnsClient's response cache), so a busy queue
/// asks about a destination once per TTL, not once per message.
/// </summary>
public sealed class DnsResolver
{
    private readonly LookupClient _client;

    public DnsResolver(IPEndPoint? server)
    {
        LookupClientOptions options = server is null ? new LookupClientOptions() : new LookupClientOptions(new NameServer(server));
        options.UseCache = true;
        options.Timeout = TimeSpan.FromSeconds(5);
        options.Retries = 2;
        options.ThrowDnsErrors = false;
        options.UseTcpFallback = true;
        _client = new LookupClient(options);
    }

    /// <summary>The domain's MX hosts, lowest preference first (equal preferences in random order, RFC 5321 5.1).</summary>
    public async Task<(DnsStatus Status, List<string> Hosts)> MailExchangersAsync(string domain, CancellationToken cancellationToken)
    {
        (DnsStatus status, IDnsQueryResponse? response) = await QueryAsync(domain, QueryType.MX, cancellationToken);
        if (status != DnsStatus.Found)
        {
            return (status, []);
        }

        List<string> hosts = response!.Answers.MxRecords()
            .OrderBy(mx => mx.Preference)
            .ThenBy(_ => Random.Shared.Next())
            .Select(mx => mx.Exchange.Value.TrimEnd('.'))
            .ToList();
        return (hosts.Count == 0 ? DnsStatus.NoRecords : DnsStatus.Found, hosts);
    }

    /// <summary>A and AAAA records of a host, IPv4 first.</summary>
    public async Task<(DnsStatus Status, List<IPAddress> Addresses)> AddressesAsync(string host, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host, out IPAddress? literal))
        {
            return (DnsStatus.Found, [literal]);
        }

        (DnsStatus v4, IDnsQueryResponse? a) = await QueryAsync(host, QueryType.A, cancellationToken);
        (DnsStatus v6, IDnsQueryResponse? aaaa) = await QueryAsync(host, QueryType.AAAA, cancellationToken);
        var addresses = new List<IPAddress>();
        if (v4 == DnsStatus.Found)
        {
            addresses.AddRange(a!.Answers.ARecords().Select(r => r.Address));
        }

        if (v6 == DnsStatus.Found)
        {
            addresses.AddRange(aaaa!.Answers.AaaaRecords().Select(r => r.Address));
        }

        if (addresses.Count > 0)
        {
            return (DnsStatus.Found, addresses);
        }

        DnsStatus status = v4 == DnsStatus.Failed || v6 == DnsStatus.Failed ? DnsStatus.Failed
            : v4 == DnsStatus.NoSuchDomain ? DnsStatus.NoSuchDomain
            : DnsStatus.NoRecords;
        return (status, addresses);
    }

    /// <summary>
    /// Whether a DNS block list lists the address: an A record at the reversed address under the
    /// zone (RFC 5782), e.g. 2.0.0.127.zen.example for 127.0.0.2.
    /// </summary>
    public async Task<DnsStatus> BlockListAsync(string zone, IPAddress address, CancellationToken cancellationToken)
    {
        (DnsStatus status, _) = await QueryAsync(ReversedName(address) + "." + zone, QueryType.A, cancellationToken);
        return status;
    }

    /// <summary>1.2.3.4 as 4.3.2.1; an IPv6 address as its 32 reversed nibbles.</summary>
    public static string ReversedName(IPAddress address)
    {
        byte[] bytes = address.GetAddressBytes();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return string.Join('.', bytes.Reverse());
        }

        var nibbles = new List<string>(32);
        for (int i = bytes.Length - 1; i >= 0; i--)
        {
            nibbles.Add((bytes[i] & 0xF).ToString("x", System.Globalization.CultureInfo.InvariantCulture));
            nibbles.Add((bytes[i] >> 4).ToString("x", System.Globalization.CultureInfo.InvariantCulture));
        }

        return string.Join('.', nibbles);
    }

    private async Task<(DnsStatus, IDnsQueryResponse?)> QueryAsync(string name, QueryType type, CancellationToken cancellationToken)
    {
        IDnsQueryResponse response;
        try
        {
            response = await _client.QueryAsync(name, type, QueryClass.IN, cancellationToken);
        }
        catch (DnsResponseException)
        {
            return (DnsStatus.Failed, null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // A server stopping does not wait for DNS: the question counts as unanswered.
            return (DnsStatus.Failed, null);
        }

        if (response.HasError)
        {
            return (response.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain ? DnsStatus.NoSuchDomain : DnsStatus.Failed, null);
        }

        bool any = response.Answers.Any(record => record.RecordType == (ResourceRecordType)type);
        return (any ? DnsStatus.Found : DnsStatus.NoRecords, response);
    }
}
