using System.Net;
using System.Text;
using FastSmtp.Policy;
using FastSmtp.Protocol;
using FastSmtp.Queue;
using FastSmtp.Routing;

namespace FastSmtp.Session;

/// <summary>
/// The policy rules that need DNS: the dnsbl filter, asked once per session
/// and only when a recipient would otherwise be accepted, and the `addresses` mode's
/// backup-server rule, asked only when a relay would otherwise be refused. A DNS server that
/// does not answer counts as "not listed" and "no match", as in `policy explain`.
/// </summary>
internal sealed partial class SmtpSession
{
    private readonly byte[] _heldRecipient = new byte[SmtpPathParser.MaxPathLength];
    private int _heldRecipientLength;
    private PolicyDecision _heldDecision;
    private RecipientNotify _heldNotify;
    private string? _heldOriginalRecipient;
    private Task<string?>? _dnsbl;

    private bool NeedsDns(PolicyDecision decision, ReadOnlySpan<byte> mailbox)
    {
        if (decision.Accepted)
        {
            return _policy.DnsblZones.Length > 0 && _server.Dns is not null && _authenticatedUser is null && !SkipsAntispam();
        }

        return decision.Outcome == PolicyOutcome.RelayDenied && _policy.Relay == RelayMode.Addresses
            && _server.Router is not null && _authenticatedUser is null
            && mailbox.LastIndexOf((byte)'@') is int at and >= 0 && at + 1 < mailbox.Length && mailbox[at + 1] != (byte)'[';
    }

    /// <summary>relay.txt clients skip the anti-spam filters only with skip-antispam-for-relay-addresses = yes.</summary>
    private bool SkipsAntispam() => _policy.SkipAntispamForRelayAddresses && _policy.RelayLine(_client) != 0;

    private void HoldRecipient(ReadOnlySpan<byte> mailbox, PolicyDecision decision, RecipientNotify notify, ReadOnlySpan<byte> originalRecipient)
    {
        mailbox.CopyTo(_heldRecipient);
        _heldRecipientLength = mailbox.Length;
        _heldDecision = decision;
        _heldNotify = notify;
        _heldOriginalRecipient = originalRecipient.IsEmpty ? null : Encoding.ASCII.GetString(originalRecipient);
        _action = PendingAction.CheckRecipientDns;
    }

    private async ValueTask CheckHeldRecipientAsync()
    {
        PolicyDecision decision = _heldDecision;
        string recipient = Encoding.UTF8.GetString(_heldRecipient, 0, _heldRecipientLength);
        if (!decision.Accepted)
        {
            string domain = recipient[(recipient.LastIndexOf('@') + 1)..];
            int line = 0;
            foreach (IPAddress address in await _server.Router!.MailHostAddressesAsync(domain, _stopping))
            {
                if ((line = _policy.RelayLine(address)) != 0)
                {
                    // The backup-server case: this host is a mail host of that domain.
                    decision = new PolicyDecision(PolicyOutcome.Accept, PolicyReason.RecipientInRelayList, PolicyFile.RelayTxt, line);
                    break;
                }
            }

            if (!decision.Accepted)
            {
                RefuseByPolicy(decision.Outcome, _heldRecipient.AsSpan(0, _heldRecipientLength));
                return;
            }

            if (NeedsDns(decision, _heldRecipient.AsSpan(0, _heldRecipientLength)))
            {
                if (await ListingZoneAsync() is { } zone)
                {
                    RefuseListed(zone);
                    return;
                }
            }
        }
        else if (await ListingZoneAsync() is { } zone)
        {
            RefuseListed(zone);
            return;
        }

        AddRecipients(_heldRecipient.AsSpan(0, _heldRecipientLength), decision.Reason, _heldNotify, _heldOriginalRecipient is null ? default : Encoding.ASCII.GetBytes(_heldOriginalRecipient));
        Reply(SmtpReplies.RcptOk);
    }

    private void RefuseListed(string zone)
    {
        // The fixed text: 554 5.7.1 client <ip> listed by <zone>.
        Reply(Encoding.ASCII.GetBytes($"554 5.7.1 client {_clientAddress} listed by {zone}\r\n"));
        CountError();
    }

    /// <summary>The first dnsbl zone listing the client, or null; asked once per session.</summary>
    private Task<string?> ListingZoneAsync() => _dnsbl ??= LookUpDnsblAsync(_server.Dns!, _policy.DnsblZones, _client, _stopping);

    private static async Task<string?> LookUpDnsblAsync(DnsResolver dns, string[] zones, IPAddress client, CancellationToken stopping)
    {
        Task<DnsStatus>[] lookups = zones.Select(zone => dns.BlockListAsync(zone, client, stopping)).ToArray();
        DnsStatus[] answers = await Task.WhenAll(lookups);
        int listed = Array.IndexOf(answers, DnsStatus.Found);
        return listed < 0 ? null : zones[listed];
    }
}
