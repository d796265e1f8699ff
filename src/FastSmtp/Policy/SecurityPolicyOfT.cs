using System.Net;

namespace FastSmtp.Policy;

/// <summary>
/// A compiled policy struct behind the <see cref="SecurityPolicy"/> a session asks. Generic over
/// the struct, so each smtp.conf option is a constant in the engine's code and the JIT drops the
/// branches of modes not chosen; the policy assembly names this type, closed over its own
/// struct, as its entry point.
/// </summary>
public sealed class SecurityPolicy<TPolicy> : SecurityPolicy
    where TPolicy : struct, IPolicy
{
    private readonly string[] _dnsblZones = TPolicy.Dnsbl.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
    private readonly int _missingAccountIterations;

    public SecurityPolicy()
    {
        // Decode every table now, on the loading thread, not in the first session that asks: the
        // tables are static fields of one type, so touching one initialises them all.
        _ = TPolicy.FindHost(default);
        _missingAccountIterations = PasswordHash.TypicalIterations<TPolicy>();
        Identity = PolicyIdentity.Of<TPolicy>();
        _transports = new TransportRoute[TPolicy.TransportCount];
        for (int i = 0; i < _transports.Length; i++)
        {
            _transports[i] = new TransportRoute(System.Text.Encoding.ASCII.GetString(TPolicy.TransportNextHop(i)), TPolicy.TransportLine(i));
        }
    }

    /// <summary>transport.txt's lines as routes, made once: delivery looks one up per recipient and pass.</summary>
    private readonly TransportRoute[] _transports;

    public override RelayMode Relay => TPolicy.Relay;

    public override bool SkipAntispamForRelayAddresses => TPolicy.SkipAntispamForRelayAddresses;

    public override bool AllowRemoteMailToGroups => TPolicy.AllowRemoteMailToGroups;

    public override bool AllowRemoteViewOfGroups => TPolicy.AllowRemoteViewOfGroups;

    public override bool CheckValidSender => TPolicy.CheckValidSender;

    public override bool AutoDenyHackAttempts => TPolicy.AutoDenyHackAttempts;

    public override bool DisableVrfy => TPolicy.DisableVrfy;

    public override bool DisableAuthReporting => TPolicy.DisableAuthReporting;

    public override string Dnsbl => TPolicy.Dnsbl;

    public override string PrimaryHost => TPolicy.PrimaryHost;

    public override PolicyIdentity Identity { get; }

    public override string TestsFile => TPolicy.TestsFile;

    public override IReadOnlyList<PolicyTest> Tests => TPolicy.Tests;

    public override PolicyDecision CheckClient(IPAddress client) => PolicyEngine<TPolicy>.CheckClient(client);

    public override PolicyDecision CheckClient(IPAddress client, AutoDenyList autoDenied) => PolicyEngine<TPolicy>.CheckClient(client, autoDenied);

    public override int RelayLine(IPAddress address) => PolicyEngine<TPolicy>.RelayLine(address);

    public override PolicyDecision CheckSender(ReadOnlySpan<byte> sender) => PolicyEngine<TPolicy>.CheckSender(sender);

    public override PolicyDecision CheckRecipient(IPAddress client, ReadOnlySpan<byte> sender, ReadOnlySpan<byte> recipient, bool authenticated) =>
        PolicyEngine<TPolicy>.CheckRecipient(client, sender, recipient, authenticated);

    public override bool NeedsDns(PolicyDecision decision, ReadOnlySpan<byte> recipient, IPAddress client, bool authenticated, bool dns) =>
        PolicyEngine<TPolicy>.NeedsDns(decision, recipient, client, authenticated, dns);

    public override Task<RecipientDnsDecision> CheckRecipientDnsAsync(PolicyDecision decision, string recipient, IPAddress client, bool authenticated, IPolicyDns dns, CancellationToken cancellationToken) =>
        PolicyEngine<TPolicy>.CheckRecipientDnsAsync(decision, recipient, client, authenticated, _dnsblZones, dns, cancellationToken);

    public override PolicyDecision CheckAuthAllowed(bool tls, IPAddress client) => PolicyEngine<TPolicy>.CheckAuthAllowed(tls, client);

    public override bool AdvertisesAuth(bool tls, IPAddress client) => PolicyEngine<TPolicy>.AdvertisesAuth(tls, client);

    public override PolicyDecision Authenticate(string? user, ReadOnlySpan<byte> password) =>
        PolicyEngine<TPolicy>.Authenticate(user, password, _missingAccountIterations);

    public override PolicyDecision CheckOverlongLine() => PolicyEngine<TPolicy>.CheckOverlongLine();

    public override bool NeedsHeaders(bool nullSender) => PolicyEngine<TPolicy>.NeedsHeaders(nullSender);

    public override PolicyDecision CheckMessage(bool nullSender, ReadOnlySpan<byte> headers) => PolicyEngine<TPolicy>.CheckMessage(nullSender, headers);

    public override PolicyDecision Verify(ReadOnlySpan<byte> address) => PolicyEngine<TPolicy>.Verify(address);

    public override PolicyDecision ExpandGroup(ReadOnlySpan<byte> address, bool authenticated, out int group) =>
        PolicyEngine<TPolicy>.ExpandGroup(address, authenticated, out group);

    public override LocalName FindLocal(ReadOnlySpan<byte> address) => PolicyEngine<TPolicy>.FindLocal(address);

    public override ReadOnlySpan<byte> GroupMembers(int entry) => TPolicy.GroupMembers(entry);

    public override void Expand(ReadOnlySpan<byte> address, List<string> finals) => RecipientExpander<TPolicy>.Expand(address, finals);

    public override string? LocalMailbox(ReadOnlySpan<byte> address, out ReadOnlySpan<byte> canonicalHost, out string user) =>
        RecipientExpander<TPolicy>.LocalMailbox(address, out canonicalHost, out user);

    public override TransportRoute? Transport(ReadOnlySpan<byte> domain)
    {
        if (_transports.Length == 0)
        {
            return null;
        }

        // The domain itself, then ".parent" for each parent, nearest first.
        int entry = TPolicy.FindTransport(domain);
        for (int dot = domain.IndexOf((byte)'.'); entry < 0 && dot >= 0; dot = NextDot(domain, dot))
        {
            entry = TPolicy.FindTransport(domain[dot..]);
        }

        return entry < 0 ? null : _transports[entry];

        static int NextDot(ReadOnlySpan<byte> domain, int dot) =>
            domain[(dot + 1)..].IndexOf((byte)'.') is var next and >= 0 ? dot + 1 + next : -1;
    }

    public override PolicyEvaluation Evaluate(IPAddress client, string sender, string recipient, string? authenticatedUser) =>
        PolicyEvaluator<TPolicy>.Evaluate(client, sender, recipient, authenticatedUser);

    public override Task<PolicyEvaluation> EvaluateAsync(IPAddress client, string sender, string recipient, string? authenticatedUser, IPolicyDns dns, CancellationToken cancellationToken) =>
        PolicyEvaluator<TPolicy>.EvaluateAsync(client, sender, recipient, authenticatedUser, dns, cancellationToken);
}
