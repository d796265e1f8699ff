using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using FastSmtp.Testing;
using MailKit.Net.Smtp;
using MimeKit;

namespace FastSmtp.EndToEnd;

/// <summary>
/// Applying a policy change as an operator does: `dotnet build src/FastSmtp.Policy` over the file
/// the server runs from, then `policy reload` or SIGHUP, while clients keep sending.
/// </summary>
public partial class PolicyReloadTests
{
    private const string Recipient = "fred@reload.test";

    [Fact]
    public async Task Policies_rebuilt_and_reloaded_under_load_apply_to_the_next_session_and_nothing_is_refused_or_lost()
    {
        string work = Path.Combine(Path.GetTempPath(), "fastsmtp-reload-" + Guid.NewGuid().ToString("N"));
        try
        {
            string sources = PolicyServerBuild.CopySources(work);
            string policyDirectory = Path.Combine(work, "policy");
            string output = Path.Combine(work, "policy-out");
            string policyFile = Path.Combine(output, "FastSmtp.Policy.dll");
            string hash = await BuildGenerationAsync(sources, policyDirectory, output, generation: 1);

            // The server the policy build built (and ran tests.txt with), with its TLS certificate.
            string serverDll = Path.Combine(sources, "src", "FastSmtp", "bin", "Debug", "net10.0", "FastSmtp.dll");
            string tls = Directory.CreateDirectory(Path.Combine(work, "tls")).FullName;
            (string certificatePath, string keyPath) = TestCertificate.Create(tls);
            await using ServerProcess server = await ServerProcess.StartBuildAsync(serverDll,
                "--policy", policyFile, "--tls-cert", certificatePath, "--tls-key", keyPath, "--metrics", "127.0.0.1:0");
            await server.WaitForOutputAsync($"Loaded policy {hash} ");
            string metricsBase = await ObservabilityTests.MetricsBaseAsync(server);
            using var http = new HttpClient();
            Assert.Matches($"fastsmtp_policy_info{{[^}}]*hash=\"{hash}\"}} 1", await ObservabilityTests.WaitForMetricAsync(http, metricsBase, hash));
            X509Certificate firstCertificate = await PresentedCertificateAsync(server.Port);

            using var stopLoad = new CancellationTokenSource();
            Task<LoadResult>[] load = [SendSteadilyAsync(server.Port, stopLoad.Token), SendSteadilyAsync(server.Port, stopLoad.Token)];

            for (int generation = 2; generation <= 3; generation++)
            {
                // Built over the file the server loaded: it holds no handle on it.
                hash = await BuildGenerationAsync(sources, policyDirectory, output, generation);

                await using RawSmtpClient startedBefore = await RawSmtpClient.ConnectAsync(server.Port, "127.0.0.1");
                Assert.StartsWith("220", await startedBefore.ReadReplyAsync());
                Assert.StartsWith("250", await startedBefore.CommandAsync("EHLO before.example"));

                if (generation == 2)
                {
                    // A new certificate too: a reload reads it again.
                    (string newCertificate, string newKey) = TestCertificate.Create(Directory.CreateDirectory(Path.Combine(work, "tls-2")).FullName);
                    File.Copy(newCertificate, certificatePath, overwrite: true);
                    File.Copy(newKey, keyPath, overwrite: true);
                    (int exit, string answer) = await PolicyServerBuild.RunDotnetAsync(work, serverDll, "policy", "reload", "--spool", server.Spool);
                    Assert.True(exit == 0, answer);
                    Assert.Contains($"reloaded: active policy {hash} ", answer);
                }
                else
                {
                    using Process hangup = Process.Start("kill", ["-HUP", server.ProcessId.ToString(CultureInfo.InvariantCulture)]);
                    await hangup.WaitForExitAsync();
                    await server.WaitForOutputAsync($"Reloaded policy {hash} ");
                }

                // The next session has the new rule (and every earlier one) ...
                await using (RawSmtpClient next = await RawSmtpClient.ConnectAsync(server.Port, "127.0.0.1"))
                {
                    Assert.StartsWith("220", await next.ReadReplyAsync());
                    Assert.StartsWith("250", await next.CommandAsync("EHLO after.example"));
                    for (int killed = 1; killed <= generation; killed++)
                    {
                        Assert.StartsWith("5", await next.CommandAsync($"MAIL FROM:<spammer{killed}@x.example>"));
                    }
                }

                // ... while a session that started before the reload keeps the policy it started with.
                Assert.StartsWith("250", await startedBefore.CommandAsync($"MAIL FROM:<spammer{generation}@x.example>"));
                Assert.StartsWith("250", await startedBefore.CommandAsync("RSET"));
                Assert.StartsWith("5", await startedBefore.CommandAsync($"MAIL FROM:<spammer{generation - 1}@x.example>"));
                Assert.Matches($"fastsmtp_policy_info{{[^}}]*hash=\"{hash}\"}} 1", await ObservabilityTests.WaitForMetricAsync(http, metricsBase, hash));
            }

            Assert.NotEqual(firstCertificate.GetCertHashString(), (await PresentedCertificateAsync(server.Port)).GetCertHashString());

            // A file that is not a policy is refused with the reason; the active policy stays.
            (int refusedExit, string refusal) = await PolicyServerBuild.RunDotnetAsync(work, serverDll, "policy", "reload", "--spool", server.Spool, "--policy", serverDll);
            Assert.Equal(1, refusedExit);
            Assert.Contains("is not a FastSmtp policy", refusal);
            Assert.Contains($"active policy {hash} ", refusal);
            await using (RawSmtpClient after = await RawSmtpClient.ConnectAsync(server.Port, "127.0.0.1"))
            {
                Assert.StartsWith("220", await after.ReadReplyAsync());
                Assert.StartsWith("250", await after.CommandAsync("EHLO after.example"));
                Assert.StartsWith("5", await after.CommandAsync("MAIL FROM:<spammer3@x.example>"));
            }

            await stopLoad.CancelAsync();
            LoadResult[] results = await Task.WhenAll(load);
            int acknowledged = results.Sum(r => r.Acknowledged);
            string[] failures = [.. results.SelectMany(r => r.Failures)];
            Console.WriteLine($"reload under load: {acknowledged} messages acknowledged over {results.Max(r => r.Sessions)} sessions per client, failures: {failures.Length}");
            foreach (string line in server.Output.Split('\n').Where(line => line.Contains("Reloaded policy", StringComparison.Ordinal) || line.Contains("reload refused", StringComparison.Ordinal)))
            {
                Console.WriteLine(line);
            }

            Assert.Empty(failures);
            Assert.True(acknowledged > 0);

            // Every acknowledged message reaches the mailbox, once.
            string mailbox = Path.Combine(server.Root, "mail", "reload.test", "fred", "new");
            DateTime deadline = DateTime.UtcNow.AddSeconds(60);
            while ((Directory.Exists(mailbox) ? Directory.GetFiles(mailbox).Length : 0) < acknowledged && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }

            Assert.Equal(acknowledged, Directory.GetFiles(mailbox).Length);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Policy generation N: kill.lst holds spammer1..N; returns the policy's hash from `policy check`.</summary>
    private static async Task<string> BuildGenerationAsync(string sources, string directory, string output, int generation)
    {
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "hosts.txt"), "reload.test\n");
        await File.WriteAllTextAsync(Path.Combine(directory, "users.txt"), $"{Recipient} -\n");

        // The load comes from this machine: a trusted client, to which no per-client rate applies.
        await File.WriteAllTextAsync(Path.Combine(directory, "relay.txt"), "127.0.0.1\n");
        await File.WriteAllTextAsync(Path.Combine(directory, "kill.lst"), string.Concat(Enumerable.Range(1, generation).Select(n => $"spammer{n}@x.example\n")));
        await File.WriteAllTextAsync(Path.Combine(directory, "tests.txt"), $"127.0.0.1 spammer{generation}@x.example {Recipient} => 501\n127.0.0.1 load@x.example {Recipient} => accept\n");
        (int exit, string log) = await PolicyServerBuild.BuildPolicyAsync(sources, directory, output);
        Assert.True(exit == 0, log);

        string serverDll = Path.Combine(sources, "src", "FastSmtp", "bin", "Debug", "net10.0", "FastSmtp.dll");
        (exit, log) = await PolicyServerBuild.RunDotnetAsync(sources, serverDll, "policy", "check", "--policy", Path.Combine(output, "FastSmtp.Policy.dll"));
        Assert.True(exit == 0, log);
        return PolicyHash().Match(log).Groups[1].Value;
    }

    private static async Task<X509Certificate> PresentedCertificateAsync(int port)
    {
        await using RawSmtpClient client = await RawSmtpClient.ConnectAsync(port, "127.0.0.1");
        await client.ReadReplyAsync();
        await client.CommandAsync("EHLO tls.example");
        Assert.StartsWith("220", await client.CommandAsync("STARTTLS"));
        return await client.UpgradeToTlsAsync();
    }

    /// <summary>One message per new connection, back to back, until stopped; every failure is kept.</summary>
    private static async Task<LoadResult> SendSteadilyAsync(int port, CancellationToken stop)
    {
        int acknowledged = 0;
        int sessions = 0;
        var failures = new List<string>();
        while (!stop.IsCancellationRequested)
        {
            sessions++;
            using var client = new SmtpClient { Timeout = 30_000 };
            try
            {
                await client.ConnectAsync("127.0.0.1", port, MailKit.Security.SecureSocketOptions.None);
                var message = new MimeMessage();
                message.From.Add(MailboxAddress.Parse("load@x.example"));
                message.To.Add(MailboxAddress.Parse(Recipient));
                message.Subject = "steady " + sessions.ToString(CultureInfo.InvariantCulture);
                message.Body = new TextPart("plain") { Text = "sent while the policy was rebuilt and reloaded" };
                await client.SendAsync(message);
                acknowledged++;
                await client.DisconnectAsync(quit: true);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                failures.Add($"{DateTime.UtcNow:HH:mm:ss.fff} session {sessions}: {exception.GetType().Name}: {exception.Message}");
            }
        }

        return new LoadResult(acknowledged, sessions, failures);
    }

    private sealed record LoadResult(int Acknowledged, int Sessions, List<string> Failures);

    [GeneratedRegex(@"^policy ([0-9a-f]{16}) ", RegexOptions.Multiline)]
    private static partial Regex PolicyHash();
}
