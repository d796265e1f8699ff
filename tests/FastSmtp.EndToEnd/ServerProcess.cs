using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using FastSmtp.Queue;

namespace FastSmtp.EndToEnd;

/// <summary>
/// The real FastSmtp executable, started as its own process on a loopback port chosen by the
/// OS, with its own spool in a temporary folder. Disposing kills it and removes the folder.
/// </summary>
internal sealed partial class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly long? _spoolBytes;
    private readonly TaskCompletionSource<int> _port = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServerProcess(string root, string serverDll, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment, long? spoolBytes = null)
    {
        Root = root;
        Spool = Path.Combine(root, "spool");
        _spoolBytes = spoolBytes;
        // A .dll runs under dotnet; anything else is a published executable run as it is.
        bool managed = serverDll.EndsWith(".dll", StringComparison.Ordinal);
        var start = new ProcessStartInfo(spoolBytes is not null ? "unshare" : managed ? "dotnet" : serverDll)
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (spoolBytes is { } bytes)
        {
            // A private mount namespace with a tmpfs of that size as the spool: a real full disk
            // (ENOSPC from the kernel) that vanishes with the process.
            foreach (string argument in new[] { "-rm", "sh", "-c", $"mkdir -p '{Spool}' && mount -t tmpfs -o size={bytes} tmpfs '{Spool}' && exec \"$@\"", "sh", "dotnet" })
            {
                start.ArgumentList.Add(argument);
            }
        }

        if (managed)
        {
            start.ArgumentList.Add(serverDll);
        }

        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        // Remote mail never leaves loopback: DNS goes to a server in the test process that
        // refuses every question (lookups fail, remote recipients are deferred) unless a test
        // names its own --dns or --smarthost, which come later and win.
        foreach (string argument in new[] { "--listen", "127.0.0.1:0", "--spool", Spool, "--mail-dir", Path.Combine(root, "mail"), "--dns", Peers.RefusingDnsServer.Endpoint }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _process.Exited += (_, _) => _port.TrySetException(new InvalidOperationException("FastSmtp exited before listening:\n" + Output));
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Root { get; }

    public string Spool { get; }

    public int Port { get; private set; }

    public int ProcessId => _process.Id;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The server as this test project built it: the repository's default policy.</summary>
    public static string DefaultServer => Path.Combine(AppContext.BaseDirectory, "FastSmtp.dll");

    public static Task<ServerProcess> StartAsync(params string[] arguments) => StartAsync(DefaultServer, arguments, environment: null);

    public static Task<ServerProcess> StartWithEnvironmentAsync(IReadOnlyDictionary<string, string> environment, params string[] arguments) =>
        StartAsync(DefaultServer, arguments, environment);

    /// <summary>A server built with tests/FastSmtp.EndToEnd/policies/<paramref name="policy"/> compiled in.</summary>
    public static async Task<ServerProcess> StartWithPolicyAsync(string policy, params string[] arguments)
    {
        string serverDll = await FastSmtp.Testing.PolicyServerBuild.ServerWithPolicyAsync(
            Path.Combine(FastSmtp.Testing.PolicyServerBuild.RepositoryRoot, "tests", "FastSmtp.EndToEnd", "policies", policy));
        return await StartAsync(serverDll, arguments, environment: null);
    }

    /// <summary>A published server executable (the single file of packaging), started like the others.</summary>
    public static Task<ServerProcess> StartExecutableAsync(string executable, params string[] arguments) =>
        StartAsync(executable, arguments, environment: null);

    /// <summary>A server whose spool is a tmpfs of <paramref name="spoolBytes"/> bytes in a mount namespace of its own (needs unshare).</summary>
    public static Task<ServerProcess> StartWithSmallSpoolAsync(long spoolBytes, params string[] arguments) =>
        StartAsync(DefaultServer, arguments, environment: null, spoolBytes);

    /// <summary>The spool as this process can see it (through /proc for a server in its own mount namespace).</summary>
    public string VisibleSpool => _spoolBytes is null ? Spool : $"/proc/{_process.Id}/root{Spool}";

    private static async Task<ServerProcess> StartAsync(string serverDll, string[] arguments, IReadOnlyDictionary<string, string>? environment, long? spoolBytes = null)
    {
        string root = Path.Combine(Path.GetTempPath(), "fastsmtp-e2e-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        var server = new ServerProcess(root, serverDll, arguments, environment, spoolBytes);
        try
        {
            server.Port = await server._port.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>Waits (bounded) until the server has logged <paramref name="text"/>: a sync point with its sessions.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan? timeout = null)
    {
        DateTime deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the server never logged '{text}':\n{Output}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Everything the spool holds now (the server may still be running).</summary>
    public List<SpooledMessage> ReadSpool() => SpoolReader.ReadMessages(VisibleSpool);

    /// <summary>SIGKILL: no chance to flush or clean up, as in a crash.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    /// <summary>SIGTERM, as systemd or Ctrl-C would send; returns the exit code.</summary>
    public async Task<int> TerminateAsync()
    {
        using (Process kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(40));
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Kill();
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        Match match = ListeningLine().Match(line);
        if (match.Success)
        {
            _port.TrySetResult(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [GeneratedRegex(@"listening on 127\.0\.0\.1:(\d+)")]
    private static partial Regex ListeningLine();
}
