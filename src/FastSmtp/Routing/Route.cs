using System.Net;
using FastSmtp.Protocol;

namespace FastSmtp.Routing;

/// <summary>Where mail for one destination goes: addresses to try in order, or why there are none.</summary>
public sealed record Route(IReadOnlyList<IPEndPoint> Endpoints, NextHopReply Failure)
{
    public static Route To(IReadOnlyList<IPEndPoint> endpoints) => new(endpoints, default);

    public static Route Unroutable(NextHopReply failure) => new([], failure);
}
