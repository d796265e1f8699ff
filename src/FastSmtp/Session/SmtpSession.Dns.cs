using System.Net;
using System.Text;
using FastSmtp.Metrics;
using FastSmtp.Policy;
using FastSmtp.Protocol;
using FastSmtp.Queue;
using FastSmtp.Routing;

namespace FastSmtp.Session;

/// <summary>
/// The RCPT decisions the policy can only finish with DNS (the dnsbl filter, the backup-server
/// rule): the recipient is held, the policy asks DNS through this session, and the reply goes
/// out in order, since nothing after the command is read until then. The session answers the
/// policy's questions: mail host addresses through the router, and the dnsbl zones once per
/// session, however many recipients ask.
/// </summary>
internal sealed partial class SmtpSession : IPolicyDns
{
    private Task<string?>? _dnsbl;

    /// <summary>Both halves of DNS are there: the router for mail hosts, the resolver for dnsbl.</summary>
    private bool HasDns => _server.Dns is not null && _server.Router is not null;

    private async ValueTask CheckHeldRecipientAsync()
    {
        try
        {
            string recipient = Encoding.UTF8.GetString(_held.Mailbox);
            RecipientDnsDecision result = await _policy.CheckRecipientDnsAsync(_held.Decision, recipient, _client, _authenticatedUser is not null, this, _stopping);
            SmtpMetrics.PolicyDecision(result.Decision, "rcpt-dns");
            if (result.ListingZone is { } zone)
            {
                Refuse(Encoding.ASCII.GetBytes(PolicyReplies.ClientListed(_clientAddress, zone) + "\r\n"), result.Decision.RuleText, _held.Mailbox);
            }
            else if (!result.Decision.Accepted)
            {
                RefuseByPolicy(result.Decision, _held.Mailbox);
            }
            else
            {
                AddRecipients(_held.Mailbox, result.Decision.Reason, _held.Notify, _held.OriginalRecipient);
                Reply(SmtpReplies.RcptOk);
            }
        }
        finally
        {
            _held.Reset();
        }
    }

    async Task<IReadOnlyList<IPAddress>> IPolicyDns.MailHostAddressesAsync(string domain, CancellationToken cancellationToken) =>
        await _server.Router!.MailHostAddressesAsync(domain, cancellationToken);

    /// <summary>The first dnsbl zone listing the client, or null; asked once per session.</summary>
    Task<string?> IPolicyDns.ListingZoneAsync(IReadOnlyList<string> zones, IPAddress client, CancellationToken cancellationToken) =>
        _dnsbl ??= LookUpDnsblAsync(_server.Dns!, zones, client, cancellationToken);

    private static async Task<string?> LookUpDnsblAsync(DnsResolver dns, IReadOnlyList<string> zones, IPAddress client, CancellationToken stopping)
    {
        Task<DnsStatus>[] lookups = zones.Select(zone => dns.BlockListAsync(zone, client, stopping)).ToArray();
        DnsStatus[] answers = await Task.WhenAll(lookups);
        int listed = Array.IndexOf(answers, DnsStatus.Found);
        return listed < 0 ? null : zones[listed];
    }
}
