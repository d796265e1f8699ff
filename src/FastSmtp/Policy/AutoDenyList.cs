using System.Collections.Concurrent;
using System.Net;

namespace FastSmtp.Policy;

/// <summary>
/// Clients denied for a hack attempt (a command line over 512 octets while
/// auto-deny-hack-attempts = yes), in memory until restart, as the security text describes.
/// </summary>
public sealed class AutoDenyList
{
    private readonly ConcurrentDictionary<IPAddress, DateTimeOffset> _denied = new();

    public int Count => _denied.Count;

    /// <summary>Denies the address; true when it was not denied already.</summary>
    public bool Deny(IPAddress address) => _denied.TryAdd(address, DateTimeOffset.UtcNow);

    public bool IsDenied(IPAddress address) => !_denied.IsEmpty && _denied.ContainsKey(address);
}
