using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace FastSmtp.Hosting;

/// <summary>The HTTP listener of --metrics (Prometheus text on /metrics, and /healthz), once Kestrel has it.</summary>
internal sealed class MetricsEndpoint
{
    public ListenOptions? Listener { get; set; }
}
