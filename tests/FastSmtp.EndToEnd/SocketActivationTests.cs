using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using FastSmtp.EndToEnd.Peers;

namespace FastSmtp.EndToEnd;

/// <summary>
/// A restart under a systemd socket unit: systemd-socket-activate holds the listening socket (as
/// systemd does for packaging/fastsmtp.socket) and hands it to one server, then to the next
/// after the first stops. Clients that arrive in between wait in the socket's queue: none is
/// refused.
/// </summary>
public class SocketActivationTests
{
    /// <summary>Starts the server on the inherited socket twice, one after the other, as a restart does.</summary>
    private const string Supervisor = """
        for n in 1 2; do
          sh -c 'LISTEN_PID=$$; export LISTEN_PID; exec "$@"' server "$@" &
          echo $! > "$PIDS/server-$n.pid"
          wait $!
        done
        """;

    [SkippableFact]
    public async Task A_restart_on_a_held_socket_refuses_no_connection()
    {
        string activate = RequiredTool.Find("systemd-socket-activate", "systemd");
        string root = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "fastsmtp-socket-" + Guid.NewGuid().ToString("N"))).FullName;
        int port = RequiredTool.FreeTcpPort();
        string script = Path.Combine(root, "restart.sh");
        await File.WriteAllTextAsync(script, Supervisor);
        var start = new ProcessStartInfo(activate)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = root,
        };
        foreach (string argument in new[] { "-l", $"127.0.0.1:{port}", "-E", $"PIDS={root}", "sh", script, "dotnet", ServerProcess.DefaultServer,
            "--spool", Path.Combine(root, "spool"), "--mail-dir", Path.Combine(root, "mail"), "--dns", RefusingDnsServer.Endpoint })
        {
            start.ArgumentList.Add(argument);
        }

        var output = new StringBuilder();
        using Process supervisor = Process.Start(start)!;
        supervisor.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        supervisor.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        supervisor.BeginOutputReadLine();
        supervisor.BeginErrorReadLine();
        // The supervisor binds first (systemd would have bound at boot); only then may clients come.
        DateTime bound = DateTime.UtcNow.AddSeconds(30);
        while (!Contains(output, $"Listening on 127.0.0.1:{port}"))
        {
            Assert.True(DateTime.UtcNow < bound, "systemd-socket-activate never listened");
            await Task.Delay(20);
        }

        using var stop = new CancellationTokenSource();
        var probe = new Probe();
        Task load = probe.RunAsync(port, stop.Token);
        try
        {
            await probe.WaitForGreetingsAsync(20);
            await SignalAsync("TERM", await PidAsync(root, 1));

            // The second server takes the socket over; clients that came meanwhile were queued.
            int second = await PidAsync(root, 2);
            int before = probe.Greeted;
            await probe.WaitForGreetingsAsync(before + 20);

            // The load stops before the last server does: with nobody left to hold the socket, refusing is right.
            await stop.CancelAsync();
            await load;
            await SignalAsync("TERM", second);
            await supervisor.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

            string log;
            lock (output)
            {
                log = output.ToString();
            }

            Console.WriteLine($"restart on a held socket: {probe.Greeted} connections greeted, {probe.Failures.Count} failed");
            Assert.True(probe.Failures.Count == 0, string.Join("\n", probe.Failures) + "\n" + log);
            Assert.Equal(2, log.Split($"listening on 127.0.0.1:{port}").Length - 1);
            Assert.Equal(2, log.Split("FastSmtp stopped").Length - 1);
        }
        finally
        {
            await stop.CancelAsync();
            if (!supervisor.HasExited)
            {
                supervisor.Kill(entireProcessTree: true);
            }

            foreach (string pidFile in Directory.GetFiles(root, "server-*.pid"))
            {
                if (int.TryParse(await File.ReadAllTextAsync(pidFile), out int pid))
                {
                    try
                    {
                        Process.GetProcessById(pid).Kill();
                    }
                    catch (ArgumentException)
                    {
                        // Already gone.
                    }
                }
            }

            Directory.Delete(root, recursive: true);
        }
    }

    private static bool Contains(StringBuilder output, string text)
    {
        lock (output)
        {
            return output.ToString().Contains(text, StringComparison.Ordinal);
        }
    }

    private static async Task<int> PidAsync(string root, int server)
    {
        string file = Path.Combine(root, $"server-{server}.pid");
        DateTime deadline = DateTime.UtcNow.AddSeconds(60);
        while (!(File.Exists(file) && int.TryParse((await File.ReadAllTextAsync(file)).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"server {server} never started");
            await Task.Delay(20);
        }

        return int.Parse((await File.ReadAllTextAsync(file)).Trim(), CultureInfo.InvariantCulture);
    }

    private static async Task SignalAsync(string signal, int pid)
    {
        using Process kill = Process.Start("kill", [$"-{signal}", pid.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    /// <summary>New connections one after another: each must be greeted 220 (and is then closed with QUIT).</summary>
    private sealed class Probe
    {
        private int _greeted;

        public List<string> Failures { get; } = [];

        public int Greeted => Volatile.Read(ref _greeted);

        public async Task RunAsync(int port, CancellationToken stop)
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await using RawSmtpClient client = await RawSmtpClient.ConnectAsync(port, "127.0.0.1");
                    string? greeting = await client.ReadReplyAsync(TimeSpan.FromSeconds(60));
                    if (greeting?.StartsWith("220", StringComparison.Ordinal) != true)
                    {
                        Failures.Add("greeting: " + (greeting ?? "connection closed"));
                        continue;
                    }

                    Interlocked.Increment(ref _greeted);

                    // 221, or 421 from a server that is stopping: either ends the session cleanly.
                    string quit = await client.CommandAsync("QUIT");
                    if (!quit.StartsWith("221", StringComparison.Ordinal) && !quit.StartsWith("421", StringComparison.Ordinal))
                    {
                        Failures.Add("QUIT: " + quit);
                    }
                }
                catch (SocketException exception)
                {
                    Failures.Add($"{exception.SocketErrorCode}: {exception.Message}");
                }

                await Task.Delay(10, CancellationToken.None);
            }
        }

        public async Task WaitForGreetingsAsync(int count)
        {
            DateTime deadline = DateTime.UtcNow.AddSeconds(90);
            while (Greeted < count)
            {
                Assert.True(DateTime.UtcNow < deadline, $"only {Greeted} of {count} connections were greeted; failures: {string.Join("; ", Failures)}");
                await Task.Delay(20);
            }
        }
    }
}
