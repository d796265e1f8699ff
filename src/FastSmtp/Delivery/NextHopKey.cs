using System.Net;
using FastSmtp.Routing;

namespace FastSmtp.Delivery;

/// <summary>
/// What a pooled connection was opened for: the address and the security it was opened with. A
/// connection is only reused for the same pair, so the smarthost's authenticated, verified
/// session never carries mail routed elsewhere, and opportunistic mail never rides a session a
/// stricter route would refuse.
/// </summary>
public readonly record struct NextHopKey(IPEndPoint Endpoint, OutboundSecurity Security);
