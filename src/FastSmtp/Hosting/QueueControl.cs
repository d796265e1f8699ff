using System.Net.Sockets;
using System.Text;
using FastSmtp.Delivery;
using FastSmtp.Queue;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FastSmtp.Hosting;

/// <summary>
/// The running server's control socket, <c>&lt;spool&gt;/control.sock</c> (a Unix domain socket,
/// reachable only by who may enter the spool folder): `queue flush` connects and sends
/// "flush", and every deferred message becomes due at once (Postfix's `postqueue -f`), or
/// "flush ID" / "flush --domain D" for some; "hold", "release" and "delete" with ID,
/// "--domain D" or "--all" are `queue hold`, `release` and `delete` (Postfix's postsuper); "stats"
/// answers the bytes the process has allocated so far (the load scripts' allocation figure);
/// "reload [FILE]" is `policy reload`.
/// </summary>
internal sealed partial class QueueControl(Spool spool, DeliveryAgent agent, ServerReload reload, ILogger<QueueControl> logger) : IHostedService, IDisposable
{
    public const string SocketName = "control.sock";

    private readonly CancellationTokenSource _stopping = new();
    private Socket? _listener;

    public static string SocketPath(string spool) => Path.Combine(spool, SocketName);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Start(_stopping.Token);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        Dispose();
        return Task.CompletedTask;
    }

    private void Start(CancellationToken stopping)
    {
        string path = SocketPath(spool.Directory);
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
            _listener = null;
            File.Delete(SocketPath(spool.Directory));
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

        await socket.SendAsync(Encoding.UTF8.GetBytes(command + "\n"));
        using var answer = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        while ((read = await socket.ReceiveAsync(buffer)) > 0)
        {
            answer.Write(buffer, 0, read);
        }

        return Encoding.UTF8.GetString(answer.ToArray()).TrimEnd();
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
                    var buffer = new byte[4096];
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    int read = await connection.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
                    string command = Encoding.UTF8.GetString(buffer, 0, read).Trim();

                    // Loading a large policy can take longer than the 5 s a command may take to arrive.
                    timeout.CancelAfter(TimeSpan.FromMinutes(5));
                    string answer = await AnswerAsync(command);
                    await connection.SendAsync(Encoding.UTF8.GetBytes(answer + "\n"), SocketFlags.None, timeout.Token);
                }
                catch (Exception exception) when (exception is OperationCanceledException or SocketException)
                {
                    // A client that went away; the next one is served.
                }
            }
        }
    }

    private async Task<string> AnswerAsync(string command)
    {
        (string verb, string argument) = command.IndexOf(' ') is var space and > 0 ? (command[..space], command[(space + 1)..]) : (command, string.Empty);
        QueueSelection selection = argument.Length == 0 ? QueueSelection.All : QueueSelection.Parse(argument);
        return verb switch
        {
            "flush" => $"flushed {agent.Flush(selection.IsAll ? null : selection.Matches)}",
            "hold" or "release" or "delete" => await ChangeAsync(Enum.Parse<QueueAction>(verb, ignoreCase: true), selection),
            "reload" => Answer(reload.Reload(argument.Length == 0 ? null : argument)),

            // For bench/load: bytes allocated by the whole process so far, and messages committed.
            "stats" => FormattableString.Invariant($"allocated={GC.GetTotalAllocatedBytes(precise: true)} deferred={agent.DeferredCount}"),
            _ => "unknown command",
        };
    }

    /// <summary>"held 2", or "failed ..." when the spool could not record the change (nothing was changed).</summary>
    private async Task<string> ChangeAsync(QueueAction action, QueueSelection selection) =>
        await agent.ApplyAsync(action, selection.Matches) is { } changed
            ? QueueCommands.Changed(action, changed)
            : $"failed: the spool cannot record changes now ({spool.Fault?.Reason ?? "stopping"})";

    /// <summary>"ok ..." or "refused ...": `policy reload` exits by the first word.</summary>
    private static string Answer(ReloadResult result) => (result.Succeeded ? "ok " : "refused ") + result.Answer;

    [LoggerMessage(EventId = 210, Level = LogLevel.Warning, Message = "Control socket {Path} unavailable: `queue flush` cannot reach this server")]
    private static partial void LogUnavailable(ILogger logger, Exception exception, string path);
}
