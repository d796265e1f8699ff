using System.Net;

namespace FastSmtp.Hosting;

/// <summary>Parses --listen: ADDR:PORT[,ADDR:PORT...], IPv6 in brackets, "localhost" for loopback.</summary>
public static class ListenEndpoints
{
    public static bool TryParse(string value, out List<IPEndPoint> endpoints, out string? error)
    {
        endpoints = [];
        error = null;
        foreach (string raw in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string text = raw.StartsWith("localhost:", StringComparison.OrdinalIgnoreCase) ? "127.0.0.1" + raw["localhost".Length..] : raw;
            if (!IPEndPoint.TryParse(text, out IPEndPoint? endpoint) || text.LastIndexOf(':') <= 0 || (endpoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && !text.StartsWith('[')))
            {
                error = $"'{raw}' is not ADDR:PORT (for example 127.0.0.1:2525 or [::1]:2525)";
                return false;
            }

            endpoints.Add(endpoint);
        }

        if (endpoints.Count == 0)
        {
            error = "no address to listen on";
            return false;
        }

        return true;
    }
}
