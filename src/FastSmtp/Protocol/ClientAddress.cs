using System.Net;

namespace FastSmtp.Protocol;

/// <summary>
/// A client's address as rules and logs name it. A dual-stack listener reports an IPv4 client
/// as ::ffff:a.b.c.d; relay.txt, deny.txt, the limits and the logs mean a.b.c.d.
/// </summary>
public static class ClientAddress
{
    public static IPAddress Unmapped(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
