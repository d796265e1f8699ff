namespace FastSmtp.Policy;

/// <summary>
/// A transport.txt line that routes a domain: its next hop ("mx", "local", or "host:port") and
/// the line, for `policy explain` and the delivery log.
/// </summary>
public sealed record TransportRoute(string NextHop, int Line)
{
    public const string Mx = "mx";

    public const string Local = "local";

    public string Rule => "transport.txt:" + Line.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
