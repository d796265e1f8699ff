using System.Net;

namespace FastSmtp.Session;

/// <summary>Whom a message or recipient rate is counted against: the authenticated user, else the client's address.</summary>
internal readonly record struct ClientKey(IPAddress? Address, string? User);
