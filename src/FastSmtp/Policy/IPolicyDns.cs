using System.Net;

namespace FastSmtp.Policy;

/// <summary>
/// What the policy's DNS rules ask: the addresses of a domain's mail hosts (the backup-server
/// rule) and the first dnsbl zone listing a client. A server that does not answer counts as
/// "no addresses" and "not listed".
/// </summary>
public interface IPolicyDns
{
    Task<IReadOnlyList<IPAddress>> MailHostAddressesAsync(string domain, CancellationToken cancellationToken);

    Task<string?> ListingZoneAsync(IReadOnlyList<string> zones, IPAddress client, CancellationToken cancellationToken);
}
