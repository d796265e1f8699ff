using System.Collections.Concurrent;
using System.Net;

namespace FastSmtp.Policy;

/// <summary>
/// Clients denied for a hack attempt (a command line over 512 octets while
/// auto-deny-hack-attempts = yes), in memory until restart, as the security text describes.
/// </summary>
public sealed class AutoDenyList
{
    /// <summary>
    /// Addresses denied at most. A client rotating addresses (IPv6 gives it many) cannot grow
    /// the list past this; once full, further offenders are still cut off but not remembered.
    /// </summary>
    public const int MaxDenied = 1_000_000;

    private readonly ConcurrentDictionary<IPAddress, DateTimeOffset> _denied = new();

    /// <summary>Denies the address; true when it was newly denied.</summary>
    public bool Deny(IPAddress address) => _denied.Count < MaxDenied && _denied.TryAdd(address, DateTimeOffset.UtcNow);

    public bool IsDenied(IPAddress address) => !_denied.IsEmpty && _denied.ContainsKey(address);
}
