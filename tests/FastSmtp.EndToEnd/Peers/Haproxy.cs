using System.Diagnostics;
using System.Globalization;

namespace FastSmtp.EndToEnd.Peers;

/// <summary>
/// HAProxy in TCP mode on loopback ports: <see cref="Port"/> spreads connections round-robin
/// over <c>backends</c>, and <see cref="DirectPorts"/>[i] goes to backend i only, each told the
/// client with a PROXY header of the version given. Its configuration lives in a folder of its
/// own; disposing stops it and removes the folder.
/// </summary>
internal sealed class Haproxy : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _folder;

    private Haproxy(Process process, string folder, int port, int[] directPorts)
    {
        _process = process;
        _folder = folder;
        Port = port;
        DirectPorts = directPorts;
    }

    /// <summary>The balanced frontend.</summary>
    public int Port { get; }

    /// <summary>One frontend per backend, in the order given, for tests that must know where a connection lands.</summary>
    public int[] DirectPorts { get; }

    /// <summary>Starts HAProxy in front of the given loopback ports; <c>ProxyVersion</c> is 1 (send-proxy) or 2 (send-proxy-v2).</summary>
    public static async Task<Haproxy> StartAsync(params (int Port, int ProxyVersion)[] backends)
    {
        string program = RequiredTool.Find("haproxy", "haproxy");
        string folder = Path.Combine(Path.GetTempPath(), "fastsmtp-haproxy-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        string config = Path.Combine(folder, "haproxy.cfg");
        string[] servers = [.. backends.Select((backend, i) => string.Create(CultureInfo.InvariantCulture,
            $"    server relay{i} 127.0.0.1:{backend.Port} {(backend.ProxyVersion == 2 ? "send-proxy-v2" : "send-proxy")}"))];
        int[] directPorts = new int[backends.Length];
        try
        {
            (Process process, int port) = await RequiredTool.StartListeningAsync(RequiredTool.FreeTcpPort, port =>
            {
                string direct = string.Concat(servers.Select((server, i) =>
                {
                    directPorts[i] = RequiredTool.FreeTcpPort();
                    return string.Create(CultureInfo.InvariantCulture, $"listen direct{i}\n    bind 127.0.0.1:{directPorts[i]}\n{server}\n");
                }));
                File.WriteAllText(config, $"""
                    global
                        maxconn 100
                    defaults
                        mode tcp
                        timeout connect 5s
                        timeout client 30s
                        timeout server 30s
                    frontend smtp
                        bind 127.0.0.1:{port}
                        default_backend relays
                    backend relays
                        balance roundrobin
                    {string.Join('\n', servers)}
                    {direct}
                    """);

                // -db: stay in the foreground, so the test owns the process.
                var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
                foreach (string argument in new[] { "-db", "-f", config })
                {
                    start.ArgumentList.Add(argument);
                }

                return start;
            });
            foreach (int direct in directPorts)
            {
                await RequiredTool.WaitForListenerAsync(process, direct);
            }

            return new Haproxy(process, folder, port, directPorts);
        }
        catch
        {
            Directory.Delete(folder, recursive: true);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
