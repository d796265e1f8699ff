using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace FastSmtp.EndToEnd.Peers;

/// <summary>
/// Postfix's smtp-sink on a loopback port: a real SMTP next hop that writes every transaction
/// it accepts to a file of its own (-d), with X-Rcpt-Args lines naming the recipients.
/// Disposing stops it and removes its folder.
/// </summary>
internal sealed class SmtpSink : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dumps;

    private SmtpSink(Process process, string dumps, int port)
    {
        _process = process;
        _dumps = dumps;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Starts smtp-sink; <paramref name="options"/> such as "-f", "RCPT" make it refuse commands.</summary>
    public static Task<SmtpSink> StartAsync(int? port = null, params string[] options) => StartOnAsync("127.0.0.1", port, options);

    /// <summary>Starts smtp-sink on another loopback address (a next hop named by address and port in a policy file).</summary>
    public static async Task<SmtpSink> StartOnAsync(string address, int? port, params string[] options)
    {
        string program = RequiredTool.Find("smtp-sink", "postfix");
        int chosen = port ?? RequiredTool.FreeTcpPort();
        string dumps = Path.Combine(Path.GetTempPath(), "fastsmtp-sink-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dumps);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(dumps, (UnixFileMode)0b111_111_111);
        }
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (RequiredTool.IsRoot)
        {
            // smtp-sink will not keep root privileges; it drops to this user after binding.
            start.ArgumentList.Add("-u");
            start.ArgumentList.Add("nobody");
        }

        foreach (string argument in options.Concat(["-d", Path.Combine(dumps, "%Y%m%d%H%M%S."), $"{address}:{chosen}", "64"]))
        {
            start.ArgumentList.Add(argument);
        }

        Process process = Process.Start(start)!;
        var sink = new SmtpSink(process, dumps, chosen);
        try
        {
            await RequiredTool.WaitForListenerAsync(process, chosen, System.Net.IPAddress.Parse(address));
            return sink;
        }
        catch
        {
            await sink.DisposeAsync();
            throw;
        }
    }

    /// <summary>Every transaction received so far, as smtp-sink wrote it.</summary>
    public List<string> Messages() =>
        Directory.GetFiles(_dumps).Select(path => File.ReadAllText(path, Encoding.UTF8)).ToList();

    /// <summary>Waits (bounded) until at least <paramref name="count"/> transactions have arrived.</summary>
    public async Task<List<string>> WaitForMessagesAsync(int count, TimeSpan? timeout = null, Func<string>? context = null)
    {
        DateTime deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            List<string> messages = Messages();
            if (messages.Count >= count)
            {
                // A file being written now is complete once the sink has moved on; read once more.
                await Task.Delay(100);
                return Messages();
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"smtp-sink received {messages.Count} of {count} messages\n{context?.Invoke()}");
            }

            await Task.Delay(50);
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
        Directory.Delete(_dumps, recursive: true);
    }
}
