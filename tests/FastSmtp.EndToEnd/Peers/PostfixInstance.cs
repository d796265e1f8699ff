using System.Diagnostics;

namespace FastSmtp.EndToEnd.Peers;

/// <summary>
/// A real Postfix (the Debian package's binaries) with a private configuration and queue in a
/// temporary folder: smtpd on a loopback port, relaying everything to <c>relayhost</c>. Starting
/// Postfix needs root (its master drops privileges to the postfix user), so on a machine where
/// the tests do not run as root this peer is skipped. Disposing stops it and removes the folder.
/// Optionally it offers STARTTLS (and TLS from the first byte on a second port) with a given
/// certificate, and relays only for clients that authenticate: Dovecot's SASL from the
/// distribution, started with a private configuration (PLAIN and LOGIN against a passwd-file,
/// AUTH only after TLS), as a provider's submission smarthost does.
/// </summary>
internal sealed class PostfixInstance : IAsyncDisposable
{
    private readonly string _root;

    private readonly Process? _sasl;

    private PostfixInstance(string root, int port, int implicitTlsPort, Process? sasl)
    {
        _root = root;
        _sasl = sasl;
        Port = port;
        ImplicitTlsPort = implicitTlsPort;
    }

    public int Port { get; }

    /// <summary>With a certificate: a second smtpd speaking TLS from the first byte; else 0.</summary>
    public int ImplicitTlsPort { get; }

    private string Config => Path.Combine(_root, "conf");

    public static async Task<PostfixInstance> StartAsync(int relayPort, (string CertificatePath, string KeyPath)? tls = null, (string User, string Password)? saslUser = null)
    {
        string postfix = RequiredTool.Find("postfix", "postfix");
        string? dovecot = saslUser is null ? null : RequiredTool.Find("dovecot", "dovecot-core");
        Process? sasl = null;
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
        int implicitTlsPort = tls is null ? 0 : RequiredTool.FreeTcpPort();
        if (tls is not null)
        {
            // Submissions (RFC 8314): TLS from the first byte, as on port 465.
            master = master.Append($"127.0.0.1:{implicitTlsPort} inet n - n - - smtpd -o smtpd_tls_wrappermode=yes");
        }

        File.WriteAllLines(Path.Combine(root, "conf", "master.cf"), master);
        var extra = new List<string>();
        if (tls is { } certificate)
        {
            extra.Add($"smtpd_tls_cert_file = {certificate.CertificatePath}");
            extra.Add($"smtpd_tls_key_file = {certificate.KeyPath}");
            extra.Add("smtpd_tls_security_level = may");
            extra.Add("smtpd_tls_received_header = yes");
        }

        if (saslUser is { } user)
        {
            // Dovecot's auth service alone (no mail protocols), its socket in the folder.
            string dovecotConfig = Path.Combine(root, "dovecot.conf");
            File.WriteAllText(Path.Combine(root, "sasl-users"), $"{user.User}:{{PLAIN}}{user.Password}\n");
            File.WriteAllText(dovecotConfig, $$"""
                protocols = none
                base_dir = {{root}}/dovecot
                state_dir = {{root}}/dovecot
                ssl = no
                disable_plaintext_auth = no
                auth_mechanisms = plain login
                log_path = {{root}}/dovecot.log
                passdb {
                  driver = passwd-file
                  args = scheme=PLAIN username_format=%u {{root}}/sasl-users
                }
                userdb {
                  driver = static
                  args = uid=nobody gid=nogroup home=/nonexistent
                }
                service auth {
                  unix_listener {{root}}/sasl-auth {
                    mode = 0666
                  }
                }

                """);
            // In the foreground, owned by this instance: a daemon would keep the output pipes open.
            sasl = Process.Start(new ProcessStartInfo(dovecot!, ["-F", "-c", dovecotConfig]))!;
            try
            {
                await RequiredTool.WaitForSocketAsync(Path.Combine(root, "sasl-auth"));
            }
            catch
            {
                sasl.Kill(entireProcessTree: true);
                throw;
            }
            extra.AddRange([
                "smtpd_sasl_auth_enable = yes",
                "smtpd_sasl_type = dovecot",
                $"smtpd_sasl_path = {root}/sasl-auth",
                "smtpd_tls_auth_only = yes",
                "mynetworks =",
                "smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination",
                "smtpd_recipient_restrictions = permit_sasl_authenticated, reject_unauth_destination",
            ]);
        }

        // Later settings in main.cf win over the template's.
        File.AppendAllLines(Path.Combine(root, "conf", "main.cf"), extra);
        // Postfix's daemons run as the postfix user and must reach the queue.
        await RunAsync("chmod", "755", root);
        await RunAsync("chown", "-R", "postfix", Path.Combine(root, "data"));

        var instance = new PostfixInstance(root, port, implicitTlsPort, sasl);
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
        catch (Exception exception) when (exception is InvalidOperationException or TimeoutException)
        {
            // Never started, or `postfix stop` did not finish (its `master -t` has been seen to
            // hang right after a start): the master goes by its pid, taking its children with it.
            StopMasterByPid();
        }

        if (_sasl is not null)
        {
            _sasl.Kill(entireProcessTree: true);
            await _sasl.WaitForExitAsync();
            _sasl.Dispose();
        }

        Directory.Delete(_root, recursive: true);
    }

    /// <summary>SIGTERM to the master named in queue/pid/master.pid; it stops its daemons and exits.</summary>
    private void StopMasterByPid()
    {
        string pidFile = Path.Combine(_root, "queue", "pid", "master.pid");
        if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out int pid))
        {
            try
            {
                using Process master = Process.GetProcessById(pid);
                using Process kill = Process.Start("kill", ["-TERM", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
                kill.WaitForExit(10_000);
                master.WaitForExit(10_000);
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
        }
    }

    private static async Task RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH") + ":/usr/sbin:/sbin";
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Bounded as a whole: a child that keeps the output open must not hold the test forever.
        using Process process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        Task<string> output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        Task<string> error = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish in 60 s");
        }

        try
        {
            // Its output, for the error below; a daemon it left holding the pipe does not wait us.
            await Task.WhenAll(output, error).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited {process.ExitCode}: {(output.IsCompletedSuccessfully ? output.Result : string.Empty)}{(error.IsCompletedSuccessfully ? error.Result : string.Empty)}");
        }
    }
}
