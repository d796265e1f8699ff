using System.Net;
using FastSmtp.Policy;
using FastSmtp.Routing;

namespace FastSmtp.Hosting;

/// <summary>The policy's DNS questions answered by a resolver, for `policy explain --dns`.</summary>
internal sealed class ResolverPolicyDns(DnsResolver resolver) : IPolicyDns
{
    private readonly MailRouter _router = new(resolver, smarthost: null, mxPort: 25);

    public async Task<IReadOnlyList<IPAddress>> MailHostAddressesAsync(string domain, CancellationToken cancellationToken) =>
        await _router.MailHostAddressesAsync(domain, cancellationToken);

    public async Task<string?> ListingZoneAsync(IReadOnlyList<string> zones, IPAddress client, CancellationToken cancellationToken)
    {
        foreach (string zone in zones)
        {
            if (await resolver.BlockListAsync(zone, client, cancellationToken) == DnsStatus.Found)
            {
                return zone;
            }
        }

        return null;
    }
}
