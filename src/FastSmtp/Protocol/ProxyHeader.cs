using System.Net;

namespace FastSmtp.Protocol;

/// <summary>
/// What a load balancer's PROXY header said: the client's address and port, or null when the
/// connection is the balancer's own (a version 2 LOCAL health check, version 1 UNKNOWN), which
/// is then served as itself.
/// </summary>
public readonly record struct ProxyHeader(IPEndPoint? Source);
