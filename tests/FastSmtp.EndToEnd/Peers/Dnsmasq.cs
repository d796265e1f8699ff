using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace FastSmtp.EndToEnd.Peers;

/// <summary>
/// dnsmasq on a loopback UDP/TCP port, serving only the records a test gives it (no upstream,
/// no /etc/hosts): names under a --local domain that it was not given are NXDOMAIN. Disposing
/// stops it.
/// </summary>
internal sealed class Dnsmasq : IAsyncDisposable
{
    private readonly Process _process;

    private Dnsmasq(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary>Starts dnsmasq with records such as "--mx-host=mx.test,mail.mx.test,10" and "--host-record=mail.mx.test,127.0.0.1".</summary>
    public static async Task<Dnsmasq> StartAsync(params string[] records)
    {
        string program = RequiredTool.Find("dnsmasq", "dnsmasq-base");

        // It binds TCP and UDP on its port; a UDP port may be taken for TCP: StartListeningAsync retries.
        (Process process, int port) = await RequiredTool.StartListeningAsync(RequiredTool.FreeUdpPort, port =>
        {
            var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (string argument in new[] { "-k", "-C", "/dev/null", "--no-resolv", "--no-hosts", "--pid-file=", $"--port={port}", "--listen-address=127.0.0.1", "--bind-interfaces", "--local=/test/", "--log-facility=-" }.Concat(records))
            {
                start.ArgumentList.Add(argument);
            }

            return start;
        });
        return new Dnsmasq(process, port);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
