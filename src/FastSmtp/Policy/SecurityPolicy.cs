using System.Net;

namespace FastSmtp.Policy;

/// <summary>
/// One loaded policy, as a session, a delivery or a command asks it. A session holds the one
/// it started with for its whole life, so a reload never changes an answer mid-session; the
/// generic <see cref="SecurityPolicy{TPolicy}"/> behind it keeps every table lookup a direct,
/// allocation-free call into the compiled tables.
/// </summary>
public abstract class SecurityPolicy
{
    // smtp.conf
    public abstract RelayMode Relay { get; }

    public abstract bool SkipAntispamForRelayAddresses { get; }

    public abstract bool AllowRemoteMailToGroups { get; }

    public abstract bool AllowRemoteViewOfGroups { get; }

    public abstract bool CheckValidSender { get; }

    public abstract bool AutoDenyHackAttempts { get; }

    public abstract bool DisableVrfy { get; }

    public abstract bool DisableAuthReporting { get; }

    /// <summary>DNSBL zones, comma-separated; empty for none.</summary>
    public abstract string Dnsbl { get; }

    /// <summary>The first host of hosts.txt.</summary>
    public abstract string PrimaryHost { get; }

    /// <summary>Which files it was compiled from and how many entries each holds.</summary>
    public abstract PolicyIdentity Identity { get; }

    /// <summary>tests.txt, as compiled.</summary>
    public abstract string TestsFile { get; }

    public abstract IReadOnlyList<PolicyTest> Tests { get; }

    /// <summary>deny.txt at connect.</summary>
    public abstract PolicyDecision CheckClient(IPAddress client);

    /// <summary>At connect: auto-denied clients, then deny.txt.</summary>
    public abstract PolicyDecision CheckClient(IPAddress client, AutoDenyList autoDenied);

    /// <summary>The relay.txt line holding <paramref name="address"/>, or 0.</summary>
    public abstract int RelayLine(IPAddress address);

    /// <summary>kill.lst at MAIL FROM.</summary>
    public abstract PolicyDecision CheckSender(ReadOnlySpan<byte> sender);

    /// <summary>RCPT: a local recipient must exist; any other is relayed if the relay mode allows it.</summary>
    public abstract PolicyDecision CheckRecipient(IPAddress client, ReadOnlySpan<byte> sender, ReadOnlySpan<byte> recipient, bool authenticated);

    /// <summary>VRFY: 250 for a local name, 550 for a local host's unknown one, 252 for others, 502 under disable-vrfy.</summary>
    public abstract PolicyDecision Verify(ReadOnlySpan<byte> address);

    /// <summary>EXPN: accepted with the group's entry, or refused (not a group, or lists confidential to this session).</summary>
    public abstract PolicyDecision ExpandGroup(ReadOnlySpan<byte> address, bool authenticated, out int group);

    /// <summary>Whether a RCPT decision waits for DNS (dnsbl, the backup-server rule); <paramref name="dns"/> is false without a resolver.</summary>
    public abstract bool NeedsDns(PolicyDecision decision, ReadOnlySpan<byte> recipient, IPAddress client, bool authenticated, bool dns);

    /// <summary>The DNS half of RCPT for a decision <see cref="NeedsDns"/> held.</summary>
    public abstract Task<RecipientDnsDecision> CheckRecipientDnsAsync(PolicyDecision decision, string recipient, IPAddress client, bool authenticated, IPolicyDns dns, CancellationToken cancellationToken);

    /// <summary>AUTH may be used after STARTTLS, or on loopback; otherwise 538.</summary>
    public abstract PolicyDecision CheckAuthAllowed(bool tls, IPAddress client);

    /// <summary>Whether EHLO lists AUTH (where it may be used, unless disable-auth-reporting = yes).</summary>
    public abstract bool AdvertisesAuth(bool tls, IPAddress client);

    /// <summary>AUTH's password check against users.txt, costing the same for a missing account.</summary>
    public abstract PolicyDecision Authenticate(string? user, ReadOnlySpan<byte> password);

    /// <summary>A command line over 512 octets: ClientDenied under auto-deny-hack-attempts = yes.</summary>
    public abstract PolicyDecision CheckOverlongLine();

    /// <summary>Whether the message's headers must be kept for <see cref="CheckMessage"/>.</summary>
    public abstract bool NeedsHeaders(bool nullSender);

    /// <summary>check-valid-sender at the end of DATA.</summary>
    public abstract PolicyDecision CheckMessage(bool nullSender, ReadOnlySpan<byte> headers);

    /// <summary>What a local address names (VRFY, EXPN, AUTH): the kind of entry and its index.</summary>
    public abstract LocalName FindLocal(ReadOnlySpan<byte> address);

    /// <summary>A group's members, comma-separated.</summary>
    public abstract ReadOnlySpan<byte> GroupMembers(int entry);

    /// <summary>Adds the final addresses of an accepted recipient (aliases and groups expanded) to <paramref name="finals"/>, each once.</summary>
    public abstract void Expand(ReadOnlySpan<byte> address, List<string> finals);

    /// <summary>The address of a local mailbox as the queue keeps it, or null when the address is not local.</summary>
    public abstract string? LocalMailbox(ReadOnlySpan<byte> address, out ReadOnlySpan<byte> canonicalHost, out string user);

    /// <summary>
    /// transport.txt's next hop for a recipient domain (ASCII, A-labels): the exact domain's
    /// line, else the nearest ".parent" line; null (line 0) when the default route applies.
    /// </summary>
    public abstract TransportRoute? Transport(ReadOnlySpan<byte> domain);

    /// <summary>A client, sender and recipient through the checks a session makes, in its order (explain, tests.txt).</summary>
    public abstract PolicyEvaluation Evaluate(IPAddress client, string sender, string recipient, string? authenticatedUser);

    /// <summary><see cref="Evaluate"/> with the rules that need DNS asked of <paramref name="dns"/>, as a session asks them.</summary>
    public abstract Task<PolicyEvaluation> EvaluateAsync(IPAddress client, string sender, string recipient, string? authenticatedUser, IPolicyDns dns, CancellationToken cancellationToken);
}
