using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using FastSmtp.EndToEnd.Peers;
using FastSmtp.Testing;

namespace FastSmtp.EndToEnd;

/// <summary>
/// What an operator installs: the self-contained, trimmed single file of
/// `dotnet publish src/FastSmtp -p:PublishProfile=linux-x64`, and packaging/fastsmtp.service.
/// Published from a copy of the sources, so the test run's own build is never touched.
/// </summary>
public class PackagingTests
{
    [SkippableFact]
    public async Task The_published_single_file_relays_mail_and_the_systemd_unit_verifies_against_it()
    {
        string work = Path.Combine(Path.GetTempPath(), "fastsmtp-publish-" + Guid.NewGuid().ToString("N"));
        try
        {
            string output = Path.Combine(work, "out") + Path.DirectorySeparatorChar;
            (int exit, string log) = await PolicyServerBuild.RunDotnetAsync(
                PolicyServerBuild.CopySources(work), "publish", Path.Combine("src", "FastSmtp"), "-p:PublishProfile=linux-x64", $"-p:PublishDir={output}",
                $"-p:FastSmtpPolicyDir={Path.Combine(PolicyServerBuild.RepositoryRoot, "policy")}", "-nodeReuse:false");
            Assert.True(exit == 0, log);
            Assert.DoesNotContain("warning IL", log);

            // One executable; beside it its policy (a file of its own, to rebuild and reload), its symbols and the optional settings file.
            string executable = Path.Combine(output, "FastSmtp");
            Assert.Equal<string>(["FastSmtp", "FastSmtp.Policy.dll", "FastSmtp.pdb", "appsettings.json"], Directory.GetFiles(output).Select(file => Path.GetFileName(file)).Order(StringComparer.Ordinal).ToArray());

            await using (ServerProcess server = await ServerProcess.StartExecutableAsync(executable, "--metrics", "127.0.0.1:0"))
            {
                await DeliveryTests.SendAsync(server.Port, "alice@client.test", ["postmaster@localhost"], "from the single file");
                string delivered = await File.ReadAllTextAsync(Assert.Single(await DeliveryTests.WaitForMaildirAsync(server, "localhost", "postmaster", 1)));
                Assert.Contains("Subject: from the single file", delivered);

                await server.WaitForOutputAsync("Metrics on http://");
                string metrics = server.Output[(server.Output.IndexOf("Metrics on http://", StringComparison.Ordinal) + "Metrics on http://".Length)..];
                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
                Assert.Equal("ok\n", await http.GetStringAsync("http://" + metrics[..metrics.IndexOf('/', StringComparison.Ordinal)] + "/healthz"));

                // The trimmed single file maps internationalised domains with ICU: a normal one
                // is accepted, a fullwidth look-alike refused (without ICU both would be refused).
                await using RawSmtpClient client = await RawSmtpClient.ConnectAsync(server.Port, "127.0.0.1");
                await client.ReadReplyAsync();
                await client.CommandAsync("EHLO c.example");
                Assert.StartsWith("553 5.1.7 ", await client.CommandAsync("MAIL FROM:<x@ｌｏｃａｌｈｏｓｔ> SMTPUTF8"));
                Assert.StartsWith("250 ", await client.CommandAsync("MAIL FROM:<x@bücher.example> SMTPUTF8"));
                Assert.DoesNotContain("ICU is not available", server.Output);
            }

            // The trimmed file still reads its options' defaults for --help and config show.
            (int helped, string usage) = await PolicyServerBuild.RunAsync(executable, null, "--help");
            Assert.Equal(0, helped);
            Assert.Contains("--max-recipients N", usage);
            Assert.Contains("[1000]", usage);

            // systemd's own checker, on the service (ExecStart pointing at this file) and its socket unit.
            string analyze = RequiredTool.Find("systemd-analyze", "systemd");
            string unit = Path.Combine(work, "fastsmtp.service");
            string text = await File.ReadAllTextAsync(Path.Combine(PolicyServerBuild.RepositoryRoot, "packaging", "fastsmtp.service"));
            Assert.Contains("ExecStart=/usr/local/bin/FastSmtp ", text);
            Assert.Contains("ExecReload=/bin/kill -HUP $MAINPID", text);
            Assert.Contains("Type=notify", text);
            // With its credentials drop-in merged in, as systemd merges it.
            string credentials = await File.ReadAllTextAsync(Path.Combine(PolicyServerBuild.RepositoryRoot, "packaging", "fastsmtp.service.d", "credentials.conf"));
            Assert.Contains("LoadCredential=tls-key:", credentials);
            Assert.Contains("LoadCredential=smarthost-auth:", credentials);
            await File.WriteAllTextAsync(unit, text.Replace("/usr/local/bin/FastSmtp", executable, StringComparison.Ordinal) + "\n" + credentials);
            string socket = Path.Combine(work, "fastsmtp.socket");
            File.Copy(Path.Combine(PolicyServerBuild.RepositoryRoot, "packaging", "fastsmtp.socket"), socket);
            (int verified, string complaints) = await PolicyServerBuild.RunAsync(analyze, null, "verify", socket, unit);
            Assert.True(verified == 0 && complaints.Trim().Length == 0, complaints);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [SkippableFact]
    public async Task The_containerfile_s_listen_and_metrics_addresses_take_ipv4_and_ipv6()
    {
        Skip.IfNot(Socket.OSSupportsIPv6, "this machine has no IPv6");
        string containerfile = await File.ReadAllTextAsync(Path.Combine(PolicyServerBuild.RepositoryRoot, "packaging", "Containerfile"));
        string entrypoint = containerfile.Split('\n').Single(line => line.StartsWith("ENTRYPOINT ", StringComparison.Ordinal))["ENTRYPOINT ".Length..];
        string[] arguments = JsonSerializer.Deserialize<string[]>(entrypoint)!;
        string listen = arguments[Array.IndexOf(arguments, "--listen") + 1];
        string metrics = arguments[Array.IndexOf(arguments, "--metrics") + 1];
        Assert.Equal("[::]:2525", listen);
        Assert.Equal("[::]:9325", metrics);

        // The same addresses on ports of this test's own.
        int metricsPort = RequiredTool.FreeTcpPort();
        await using ServerProcess server = await ServerProcess.StartAsync("--listen", listen.Replace(":2525", ":0", StringComparison.Ordinal), "--metrics", metrics.Replace(":9325", $":{metricsPort}", StringComparison.Ordinal));

        foreach (IPAddress address in new[] { IPAddress.Loopback, IPAddress.IPv6Loopback })
        {
            using var client = new TcpClient(address.AddressFamily);
            await client.ConnectAsync(address, server.Port);
            byte[] greeting = new byte[64];
            int read = await client.GetStream().ReadAsync(greeting);
            Assert.StartsWith("220 ", System.Text.Encoding.ASCII.GetString(greeting, 0, read));

            using var http = new HttpClient();
            string host = address.AddressFamily == AddressFamily.InterNetworkV6 ? "[::1]" : "127.0.0.1";
            Assert.Equal("ok", (await http.GetStringAsync($"http://{host}:{metricsPort}/healthz")).Trim());
        }
    }
}
