using System.Globalization;

namespace FastSmtp.Policy;

/// <summary>
/// Which policy is active: a hash of the files it was compiled from (names and contents) and
/// the entries of each table, as the server logs it at start and at each reload.
/// </summary>
public sealed record PolicyIdentity(string Hash, int Hosts, int Users, int Aliases, int Groups, int Accept, int Kill, int KillSuffixes, int Relay, int Deny, int Transport)
{
    public static PolicyIdentity Of<TPolicy>()
        where TPolicy : struct, IPolicy =>
        new(TPolicy.ContentHash, TPolicy.HostCount, TPolicy.UserCount, TPolicy.AliasCount, TPolicy.GroupCount,
            TPolicy.AcceptCount, TPolicy.KillCount, TPolicy.KillSuffixCount, TPolicy.RelayCount, TPolicy.DenyCount, TPolicy.TransportCount);

    /// <summary>"policy 3f2a... (hosts 4, users 12, ...)": one line for logs and command output.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"policy {Hash} (hosts {Hosts}, users {Users}, aliases {Aliases}, groups {Groups}, accept {Accept}, kill {Kill}+{KillSuffixes} suffixes, relay {Relay}, deny {Deny}, transport {Transport})");
}
