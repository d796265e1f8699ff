using System.Net;
using FastSmtp.Protocol;

namespace FastSmtp.Routing;

/// <summary>
/// Where mail for one destination goes: addresses to try in order and how to secure the
/// connections to them, or why there are none.
/// </summary>
public sealed record Route(IReadOnlyList<IPEndPoint> Endpoints, NextHopReply Failure, OutboundSecurity Security)
{
    public static Route To(IReadOnlyList<IPEndPoint> endpoints, OutboundSecurity? security = null) => new(endpoints, default, security ?? OutboundSecurity.Opportunistic);

    public static Route Unroutable(NextHopReply failure) => new([], failure, OutboundSecurity.Opportunistic);
}
