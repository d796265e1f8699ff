using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;

namespace FastSmtp.Delivery;

/// <summary>
/// The running server's control socket, <c>&lt;spool&gt;/control.sock</c> (a Unix domain socket,
/// reachable only by who may enter the spool folder): `queue flush` connects and sends
/// "flush", and every deferred message becomes due at once (Postfix's `postqueue -f`); "stats"
/// answers the bytes the process has allocated so far (the load scripts' allocation figure).
/// </summary>
internal sealed partial class QueueControl(string spool, DeliveryAgent agent, ILogger logger) : IDisposable
{
    public const string SocketName = "control.sock";

    private Socket? _listener;

    public static string SocketPath(string spool) => Path.Combine(spool, SocketName);

    public void Start(CancellationToken stopping)
    {
        string path = SocketPath(spool);
        try
        {
            File.Delete(path);
            _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            _listener.Bind(new UnixDomainSocketEndPoint(path));
            _listener.Listen(8);
        }
        catch (Exception exception) when (exception is SocketException or IOException or ArgumentException)
        {
            // A spool path too long for a socket name, say: the server runs, `queue flush` cannot reach it.
            LogUnavailable(logger, exception, path);
            _listener?.Dispose();
            _listener = null;
            return;
        }

        _ = AcceptAsync(_listener, stopping);
    }

    public void Dispose()
    {
        if (_listener is not null)
        {
            _listener.Dispose();
            File.Delete(SocketPath(spool));
        }
    }

    /// <summary>The `queue flush` side: returns the server's answer, or null when no server listens on the spool.</summary>
    public static async Task<string?> SendAsync(string spool, string command)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath(spool)));
        }
        catch (SocketException)
        {
            return null;
        }

        await socket.SendAsync(Encoding.ASCII.GetBytes(command + "\n"));
        var buffer = new byte[256];
        int read = await socket.ReceiveAsync(buffer);
        return Encoding.ASCII.GetString(buffer, 0, read).TrimEnd();
    }

    private async Task AcceptAsync(Socket listener, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await listener.AcceptAsync(stopping);
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            using (connection)
            {
                try
                {
                    var buffer = new byte[64];
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    int read = await connection.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
                    string command = Encoding.ASCII.GetString(buffer, 0, read).Trim();
                    string answer = command switch
                    {
                        "flush" => $"flushed {agent.Flush()}",

                        // For bench/load: bytes allocated by the whole process so far, and messages committed.
                        "stats" => FormattableString.Invariant($"allocated={GC.GetTotalAllocatedBytes(precise: true)} deferred={agent.DeferredCount}"),
                        _ => "unknown command",
                    };
                    await connection.SendAsync(Encoding.ASCII.GetBytes(answer + "\n"), SocketFlags.None, timeout.Token);
                }
                catch (Exception exception) when (exception is OperationCanceledException or SocketException)
                {
                    // A client that went away; the next one is served.
                }
            }
        }
    }

    [LoggerMessage(EventId = 210, Level = LogLevel.Warning, Message = "Control socket {Path} unavailable: `queue flush` cannot reach this server")]
    private static partial void LogUnavailable(ILogger logger, Exception exception, string path);
}
