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
    private readonly string? _visibleSpool;
    private readonly PrivateTmpfs? _tmpfs;
    private readonly TaskCompletionSource<int> _port = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <param name="launcher">A command the server runs under (nsenter into a tmpfs's namespace, a shell setting ulimit), or none.</param>
    /// <param name="visibleSpool">Where this process sees the server's spool, when not at its path.</param>
    /// <param name="tmpfs">A tmpfs that goes when this server goes.</param>
    private ServerProcess(string root, string serverDll, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment, IReadOnlyList<string>? launcher = null, string? visibleSpool = null, PrivateTmpfs? tmpfs = null)
    {
        Root = root;
        Spool = Path.Combine(root, "spool");
        _visibleSpool = visibleSpool;
        _tmpfs = tmpfs;

        // A .dll runs under dotnet; anything else is a published executable run as it is.
        bool managed = serverDll.EndsWith(".dll", StringComparison.Ordinal);
        string program = managed ? "dotnet" : serverDll;
        var start = new ProcessStartInfo(launcher is { Count: > 0 } ? launcher[0] : program)
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (launcher is { Count: > 0 })
        {
            foreach (string argument in launcher.Skip(1).Append(program))
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

    /// <summary>Another build of the server (a FastSmtp.dll), started like the others.</summary>
    public static Task<ServerProcess> StartBuildAsync(string serverDll, params string[] arguments) =>
        StartAsync(serverDll, arguments, environment: null);

    /// <summary>A published server executable (the single file of packaging), started like the others.</summary>
    public static Task<ServerProcess> StartExecutableAsync(string executable, params string[] arguments) =>
        StartAsync(executable, arguments, environment: null);

    /// <summary>A server whose spool is a tmpfs of <paramref name="spoolBytes"/> bytes of its own (needs unshare and nsenter); the tmpfs goes with it.</summary>
    public static async Task<ServerProcess> StartWithSmallSpoolAsync(long spoolBytes, params string[] arguments)
    {
        PrivateTmpfs tmpfs = await PrivateTmpfs.MountAsync(spoolBytes);
        return await StartAsync(DefaultServer, [.. arguments, "--spool", tmpfs.Path], environment: null, tmpfs.Launcher, tmpfs.Visible, tmpfs);
    }

    /// <summary>A server whose spool is <paramref name="tmpfs"/>, which outlives it: a restart finds the same spool.</summary>
    public static Task<ServerProcess> StartOnTmpfsAsync(PrivateTmpfs tmpfs, params string[] arguments) =>
        StartAsync(DefaultServer, [.. arguments, "--spool", tmpfs.Path], environment: null, tmpfs.Launcher, tmpfs.Visible);

    /// <summary>A server under a shell that first limits its open descriptors to <paramref name="descriptors"/> (ulimit -n).</summary>
    public static Task<ServerProcess> StartWithDescriptorLimitAsync(int descriptors, IReadOnlyDictionary<string, string>? environment, params string[] arguments) =>
        StartAsync(DefaultServer, arguments, environment, ["sh", "-c", $"ulimit -n {descriptors} && exec \"$@\"", "sh"]);

    /// <summary>The server run by <paramref name="launcher"/> (a command that runs the rest of its arguments), with <paramref name="environment"/>.</summary>
    public static Task<ServerProcess> StartUnderAsync(IReadOnlyList<string> launcher, IReadOnlyDictionary<string, string>? environment, params string[] arguments) =>
        StartAsync(DefaultServer, arguments, environment, launcher);

    /// <summary>A command of the server (`queue list`, `config show`, `--help`, ...) run to its end: exit code, standard output, standard error.</summary>
    public static async Task<(int Exit, string Output, string Error)> RunCommandAsync(IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(DefaultServer);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        return (process.ExitCode, await output, await error);
    }

    /// <summary>The spool as this process can see it (through /proc for a server in its own mount namespace).</summary>
    public string VisibleSpool => _visibleSpool ?? Spool;

    public bool HasExited => _process.HasExited;

    private static async Task<ServerProcess> StartAsync(string serverDll, string[] arguments, IReadOnlyDictionary<string, string>? environment, IReadOnlyList<string>? launcher = null, string? visibleSpool = null, PrivateTmpfs? tmpfs = null)
    {
        string root = Path.Combine(Path.GetTempPath(), "fastsmtp-e2e-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        var server = new ServerProcess(root, serverDll, arguments, environment, launcher, visibleSpool, tmpfs);
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
        if (_tmpfs is not null)
        {
            await _tmpfs.DisposeAsync();
        }

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

    [GeneratedRegex(@"listening on (?:127\.0\.0\.1|\[::\]):(\d+)")]
    private static partial Regex ListeningLine();
}
