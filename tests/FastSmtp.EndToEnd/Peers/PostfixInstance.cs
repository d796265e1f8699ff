using System.Diagnostics;

namespace FastSmtp.EndToEnd.Peers;

/// <summary>
/// A real Postfix (the Debian package's binaries) with a private configuration and queue in a
/// temporary folder: smtpd on a loopback port, relaying everything to <c>relayhost</c>. Starting
/// Postfix needs root (its master drops privileges to the postfix user), so on a machine where
/// the tests do not run as root this peer is skipped. Disposing stops it and removes the folder.
/// </summary>
internal sealed class PostfixInstance : IAsyncDisposable
{
    private readonly string _root;

    private PostfixInstance(string root, int port)
    {
        _root = root;
        Port = port;
    }

    public int Port { get; }

    private string Config => Path.Combine(_root, "conf");

    public static async Task<PostfixInstance> StartAsync(int relayPort)
    {
        string postfix = RequiredTool.Find("postfix", "postfix");
        Skip.IfNot(RequiredTool.IsRoot, "starting Postfix needs root");
        string root = Path.Combine(Path.GetTempPath(), "fastsmtp-postfix-" + Guid.NewGuid().ToString("N"));
        int port = RequiredTool.FreeTcpPort();
        Directory.CreateDirectory(Path.Combine(root, "conf"));
        Directory.CreateDirectory(Path.Combine(root, "queue"));
        Directory.CreateDirectory(Path.Combine(root, "data"));
        // The same private configuration bench/load/run.sh uses.
        string template = File.ReadAllText(Path.Combine(FastSmtp.Testing.PolicyServerBuild.RepositoryRoot, "bench", "load", "postfix", "main.cf.in"));
        File.WriteAllText(Path.Combine(root, "conf", "main.cf"), template
            .Replace("@ROOT@", root, StringComparison.Ordinal)
            .Replace("@RELAY@", $"[127.0.0.1]:{relayPort}", StringComparison.Ordinal)
            .Replace("@HOSTNAME@", "postfix.e2e.test", StringComparison.Ordinal));

        // The packaged master.cf with smtpd on our port and nothing chrooted.
        var master = File.ReadAllLines("/etc/postfix/master.cf.proto").Select(line =>
        {
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (line.Length == 0 || line[0] is '#' or ' ' or '\t' || fields.Length < 8)
            {
                return line;
            }

            fields[4] = "n";
            if (fields[0] == "smtp" && fields[1] == "inet")
            {
                fields[0] = $"127.0.0.1:{port}";
            }

            return string.Join(' ', fields);
        });
        File.WriteAllLines(Path.Combine(root, "conf", "master.cf"), master);
        // Postfix's daemons run as the postfix user and must reach the queue.
        await RunAsync("chmod", "755", root);
        await RunAsync("chown", "-R", "postfix", Path.Combine(root, "data"));

        var instance = new PostfixInstance(root, port);
        try
        {
            await RunAsync(postfix, "-c", instance.Config, "start");
            await RequiredTool.WaitForListenerAsync(null, port);
            return instance;
        }
        catch
        {
            await instance.DisposeAsync();
            throw;
        }
    }

    /// <summary>Postfix's own log, for the assertions that it received and relayed the mail.</summary>
    public string Log => File.Exists(Path.Combine(_root, "maillog")) ? File.ReadAllText(Path.Combine(_root, "maillog")) : string.Empty;

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunAsync("postfix", "-c", Config, "stop");
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }

        Directory.Delete(_root, recursive: true);
    }

    private static async Task RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH") + ":/usr/sbin:/sbin";
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        string output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited {process.ExitCode}: {output}");
        }
    }
}
