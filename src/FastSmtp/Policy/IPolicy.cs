namespace FastSmtp.Policy;

/// <summary>
/// A compiled policy folder. The source generator emits a struct implementing this from
/// policy/*, and <see cref="PolicyEngine{TPolicy}"/> is generic over it, so every option is a
/// constant the JIT folds and every table is data in the binary. Lookups take ASCII bytes as
/// they came off the wire and match them case-insensitively; entries and lines are 0-based
/// indexes and 1-based file lines (0 when there is none).
/// </summary>
public interface IPolicy
{
    // smtp.conf
    static abstract RelayMode Relay { get; }

    static abstract bool SkipAntispamForRelayAddresses { get; }

    static abstract bool AllowRemoteMailToGroups { get; }

    static abstract bool AllowRemoteViewOfGroups { get; }

    static abstract bool CheckValidSender { get; }

    static abstract bool AutoDenyHackAttempts { get; }

    static abstract bool DisableVrfy { get; }

    static abstract bool DisableAuthReporting { get; }

    /// <summary>DNSBL zones, comma-separated; empty for none.</summary>
    static abstract string Dnsbl { get; }

    /// <summary>
    /// The smtp.conf line that set the option behind <paramref name="property"/> (one of the
    /// properties above, as nameof spells it), or 0 when the option has its default.
    /// </summary>
    static abstract int OptionLine(string property);

    // hosts.txt
    static abstract string PrimaryHost { get; }

    /// <summary>A local host name or alias: its entry, or -1.</summary>
    static abstract int FindHost(ReadOnlySpan<byte> name);

    /// <summary>The canonical (first) name of the host an entry names.</summary>
    static abstract ReadOnlySpan<byte> CanonicalHost(int entry);

    static abstract int HostLine(int entry);

    // users.txt, aliases.txt, groups.txt: keyed by "local@canonical-host"
    static abstract int FindUser(ReadOnlySpan<byte> address);

    static abstract int UserLine(int entry);

    /// <summary>The user's pbkdf2-sha256 hash, ASCII; empty for an account that cannot AUTH.</summary>
    static abstract ReadOnlySpan<byte> UserHash(int entry);

    static abstract int FindAlias(ReadOnlySpan<byte> address);

    static abstract int AliasLine(int entry);

    static abstract ReadOnlySpan<byte> AliasTarget(int entry);

    static abstract int FindGroup(ReadOnlySpan<byte> address);

    static abstract int GroupLine(int entry);

    /// <summary>The group's members, comma-separated.</summary>
    static abstract ReadOnlySpan<byte> GroupMembers(int entry);

    // accept.txt: IP addresses, host names and user@host, exact
    static abstract int FindAccept(ReadOnlySpan<byte> key);

    static abstract int AcceptLine(int entry);

    // kill.lst
    /// <summary>"user@host" or "@host", exact: its entry, or -1.</summary>
    static abstract int FindKill(ReadOnlySpan<byte> key);

    static abstract int KillLine(int entry);

    /// <summary>The line of the first @*suffix the domain ends with, or 0.</summary>
    static abstract int MatchKillSuffix(ReadOnlySpan<byte> domain);

    // relay.txt and deny.txt: an address as 4 or 16 bytes, network order
    /// <summary>The line of a relay.txt range holding the address, or 0.</summary>
    static abstract int FindRelay(ReadOnlySpan<byte> address);

    /// <summary>The line of a deny.txt range holding the address, or 0.</summary>
    static abstract int FindDeny(ReadOnlySpan<byte> address);

    // transport.txt: "domain" exact or ".domain" for its subdomains
    static abstract int FindTransport(ReadOnlySpan<byte> key);

    static abstract int TransportLine(int entry);

    /// <summary>"mx", "local", or "host:port" ("[ipv6]:port"), ASCII.</summary>
    static abstract ReadOnlySpan<byte> TransportNextHop(int entry);

    // sizes, for `policy check`
    static abstract int HostCount { get; }

    static abstract int UserCount { get; }

    static abstract int AliasCount { get; }

    static abstract int GroupCount { get; }

    static abstract int AcceptCount { get; }

    static abstract int KillCount { get; }

    static abstract int KillSuffixCount { get; }

    static abstract int RelayCount { get; }

    static abstract int DenyCount { get; }

    static abstract int TransportCount { get; }

    /// <summary>A hash of the policy files' names and contents (16 hex digits).</summary>
    static abstract string ContentHash { get; }

    // tests.txt
    static abstract string TestsFile { get; }

    static abstract IReadOnlyList<PolicyTest> Tests { get; }
}
