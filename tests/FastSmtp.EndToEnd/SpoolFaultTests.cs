using System.Collections.Concurrent;
using System.Net;
using System.Text.RegularExpressions;
using FastSmtp.EndToEnd.Peers;
using FastSmtp.Queue;

namespace FastSmtp.EndToEnd;

/// <summary>
/// The spool on real file systems that fail: a tmpfs with no inode left when a segment rolls
/// over, a tmpfs that fills in the middle of a batch and of a spilled body, and a descriptor
/// limit reached under load (where the server refuses connections before the spool runs short).
/// In each, the server stays up, clients get 4xx while the fault lasts and 250 once it clears,
/// and after kill -9 and a restart every acknowledged message is delivered exactly once, and
/// none that was refused.
/// </summary>
public partial class SpoolFaultTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int SegmentSize = 64 * 1024;

    /// <summary>Open descriptors the server may hold: about 190 at rest (mostly mapped assemblies), so a couple of hundred connections reach it.</summary>
    private const int DescriptorLimit = 512;

    [SkippableFact]
    public async Task No_inode_at_rollover_keeps_accepting_small_mail_refuses_spills_and_resumes()
    {
        await using PrivateTmpfs tmpfs = await PrivateTmpfs.MountAsync(64L * 1024 * 1024, inodes: 48);
        var mail = new Mail(output);
        int nextHop = RequiredTool.FreeTcpPort();
        await using (ServerProcess server = await ServerProcess.StartOnTmpfsAsync(tmpfs, "--smarthost", $"127.0.0.1:{nextHop}", "--spool-segment-size", SegmentSize.ToString(System.Globalization.CultureInfo.InvariantCulture)))
        {
            await using RawSmtpClient client = await mail.ConnectAsync(server);
            Assert.True(tmpfs.Fill(chunk: 0) > 0, "no inode was left to take");

            // Twice the segment size: the next segment cannot be created, the head grows on.
            for (int i = 0; i < 60; i++)
            {
                Assert.StartsWith("250", await mail.SendAsync(client, $"small-{i}", 2 * 1024));
            }

            await server.WaitForOutputAsync("could not be created");
            Assert.Equal(1, SegmentFiles(tmpfs.Visible));

            // A body over the inline limit needs a file of its own: refused while no inode is free.
            Assert.StartsWith("452 4.3.1", await mail.SendAsync(client, "big-refused", 300 * 1024));
            Assert.False(server.HasExited);

            tmpfs.Free();
            Assert.StartsWith("250", await mail.SendUntilAcceptedAsync(client, "big", 300 * 1024));
            // Creating the next segment is tried again a second after it failed; then the log rolls over.
            for (int i = 0; i < 200 && SegmentFiles(tmpfs.Visible) == 1; i++)
            {
                Assert.StartsWith("250", await mail.SendAsync(client, $"after-{i}", 2 * 1024));
                await Task.Delay(20);
            }

            Assert.True(SegmentFiles(tmpfs.Visible) > 1, "the log never rolled over once inodes were back");
            server.Kill();
        }

        await mail.DeliverAfterRestartAsync(nextHop, () => ServerProcess.StartOnTmpfsAsync(tmpfs, "--smarthost", $"127.0.0.1:{nextHop}"), tmpfs.Visible);
    }

    [SkippableFact]
    public async Task A_tmpfs_full_mid_batch_and_mid_spill_answers_452_says_so_and_resumes_when_space_returns()
    {
        await using PrivateTmpfs tmpfs = await PrivateTmpfs.MountAsync(16L * 1024 * 1024);
        var mail = new Mail(output);
        int nextHop = RequiredTool.FreeTcpPort();
        await using (ServerProcess server = await ServerProcess.StartOnTmpfsAsync(tmpfs, "--smarthost", $"127.0.0.1:{nextHop}", "--metrics", "127.0.0.1:0", "--spool-segment-size", SegmentSize.ToString(System.Globalization.CultureInfo.InvariantCulture)))
        {
            string health = await HealthUrlAsync(server);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            Assert.Equal("ok\n", await http.GetStringAsync(health));
            tmpfs.Fill(chunk: 64 * 1024, leave: 200 * 1024);

            // Four clients with 30 KB messages (batches that no longer fit) and one with spilled
            // 300 KB bodies, until each has been refused; then each waits for space to come back.
            var refusals = new ConcurrentBag<string>();
            var spaceBack = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            async Task SendUntilRefusedThenRetry(int clientNumber, int size)
            {
                await using RawSmtpClient client = await mail.ConnectAsync(server);
                for (int i = 0; i < 200; i++)
                {
                    string reply = await mail.SendAsync(client, $"c{clientNumber}-{i}", size);
                    if (!reply.StartsWith("250", StringComparison.Ordinal))
                    {
                        refusals.Add(reply);
                        await spaceBack.Task;
                        Assert.StartsWith("250", await mail.SendUntilAcceptedAsync(client, $"c{clientNumber}-retry", size));
                        return;
                    }
                }

                Assert.Fail($"client {clientNumber} was never refused");
            }

            Task[] clients = [.. Enumerable.Range(0, 4).Select(c => SendUntilRefusedThenRetry(c, 30 * 1024)), SendUntilRefusedThenRetry(4, 300 * 1024)];
            for (int wait = 0; wait < 600 && refusals.Count < clients.Length && !clients.Any(c => c.IsFaulted); wait++)
            {
                await Task.Delay(100);
            }

            Assert.Equal(clients.Length, refusals.Count);
            Assert.All(refusals, reply => Assert.StartsWith("452 4.3.1", reply));
            await server.WaitForOutputAsync("Spool cannot commit (commit): spool full");
            Assert.False(server.HasExited);

            // While the disk stays full the server says so: to a balancer's health check, and in its metrics.
            await WaitForHealthAsync(http, health, "spool full\n");
            Assert.Matches(Writable(0), await WaitForMetricAsync(http, health, Writable(0)));

            tmpfs.Free();
            spaceBack.SetResult();
            await Task.WhenAll(clients).WaitAsync(TimeSpan.FromSeconds(120));
            await WaitForHealthAsync(http, health, "ok\n");
            Assert.Matches(@"(?m)^fastsmtp_spool_faults_total(\{[^}]*\})? [1-9]", await WaitForMetricAsync(http, health, Writable(1)));
            server.Kill();
        }

        await mail.DeliverAfterRestartAsync(nextHop, () => ServerProcess.StartOnTmpfsAsync(tmpfs, "--smarthost", $"127.0.0.1:{nextHop}"), tmpfs.Visible);
    }

    [SkippableFact]
    public async Task A_descriptor_limit_reached_under_load_refuses_connections_keeps_the_spool_working_and_resumes()
    {
        string spool = Path.Combine(Path.GetTempPath(), "fastsmtp-emfile-" + Guid.NewGuid().ToString("N"));
        var mail = new Mail(output);
        int nextHop = RequiredTool.FreeTcpPort();
        try
        {
            await using (ServerProcess server = await ServerProcess.StartWithDescriptorLimitAsync(DescriptorLimit, environment: null, "--spool", spool, "--smarthost", $"127.0.0.1:{nextHop}", "--delivery-concurrency", "4", "--spool-segment-size", SegmentSize.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            {
                await server.WaitForOutputAsync($"The descriptor limit ({DescriptorLimit}, ulimit -n) leaves room for");
                await using RawSmtpClient sender = await mail.ConnectAsync(server);
                Assert.StartsWith("250", await mail.SendAsync(sender, "before", 2 * 1024));

                // Load: connections until the server says it has no room for more.
                var idlers = new List<RawSmtpClient>();
                try
                {
                    string? greeting = null;
                    for (int i = 0; i < DescriptorLimit && greeting?.StartsWith("220", StringComparison.Ordinal) != false; i++)
                    {
                        RawSmtpClient idler = await RawSmtpClient.ConnectAsync(server.Port, "127.0.0.1");
                        idlers.Add(idler);
                        greeting = await idler.ReadReplyAsync(TimeSpan.FromSeconds(10));
                    }

                    Assert.StartsWith("421 4.7.0", greeting);
                    mail.Refused("connection");
                    output.WriteLine($"{idlers.Count - 1} idle connections served under ulimit -n {DescriptorLimit}, then 421");

                    // What is left is the spool's: a spilled body, rolled-over segments and small mail still commit.
                    Assert.StartsWith("250", await mail.SendAsync(sender, "big-during", 300 * 1024));
                    for (int i = 0; i < 40; i++)
                    {
                        Assert.StartsWith("250", await mail.SendAsync(sender, $"small-during-{i}", 2 * 1024));
                    }

                    Assert.False(server.HasExited);
                }
                finally
                {
                    foreach (RawSmtpClient idler in idlers)
                    {
                        await idler.DisposeAsync();
                    }
                }

                // The idle sessions gone, a newcomer is served again.
                string welcome = string.Empty;
                for (int attempt = 0; attempt < 100 && !welcome.StartsWith("220", StringComparison.Ordinal); attempt++)
                {
                    await Task.Delay(50);
                    await using RawSmtpClient probe = await RawSmtpClient.ConnectAsync(server.Port, "127.0.0.1");
                    welcome = await probe.ReadReplyAsync() ?? string.Empty;
                }

                Assert.StartsWith("220", welcome);
                await using (RawSmtpClient newcomer = await mail.ConnectAsync(server))
                {
                    Assert.StartsWith("250", await mail.SendAsync(newcomer, "newcomer", 2 * 1024));
                }

                server.Kill();
            }

            await mail.DeliverAfterRestartAsync(nextHop, () => ServerProcess.StartAsync("--spool", spool, "--smarthost", $"127.0.0.1:{nextHop}"), spool);
        }
        finally
        {
            if (Directory.Exists(spool))
            {
                Directory.Delete(spool, recursive: true);
            }
        }
    }

    /// <summary>Recipients still queued, read while the server works on the spool (a segment it deletes meanwhile is read again).</summary>
    private static int UndeliveredCount(string spool)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return SpoolReader.ReadQueue(spool).Count;
            }
            catch (IOException) when (attempt < 20)
            {
                Thread.Sleep(20);
            }
        }
    }

    private static int SegmentFiles(string spool) => Directory.GetFiles(SpoolFormat.QueueDirectory(spool), "*.log").Length;

    private static async Task<string> HealthUrlAsync(ServerProcess server)
    {
        await server.WaitForOutputAsync("Metrics on http://");
        return "http://" + MetricsLine().Match(server.Output).Groups[1].Value + "/healthz";
    }

    /// <summary>Polls /healthz (bounded) until it says <paramref name="expected"/>.</summary>
    private static async Task WaitForHealthAsync(HttpClient http, string url, string expected)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(60);
        string said = string.Empty;
        while (DateTime.UtcNow < deadline)
        {
            using HttpResponseMessage response = await http.GetAsync(url);
            said = await response.Content.ReadAsStringAsync();
            if (said == expected && (response.StatusCode == HttpStatusCode.OK) == (expected == "ok\n"))
            {
                return;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"/healthz never said {expected.Trim()} (last: {said.Trim()})");
    }

    /// <summary>The gauge's sample line (with whatever labels the exporter adds) at <paramref name="value"/>.</summary>
    private static string Writable(int value) => $@"(?m)^fastsmtp_spool_writable(\{{[^}}]*\}})? {value}$";

    /// <summary>Scrapes /metrics (bounded) until a line matches <paramref name="pattern"/>; returns the scrape.</summary>
    private static async Task<string> WaitForMetricAsync(HttpClient http, string healthUrl, string pattern)
    {
        string url = healthUrl.Replace("/healthz", "/metrics", StringComparison.Ordinal);
        string scrape = string.Empty;
        for (DateTime deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline && !Regex.IsMatch(scrape, pattern);)
        {
            await Task.Delay(100);
            scrape = await http.GetStringAsync(url);
        }

        return scrape;
    }

    [GeneratedRegex(@"Metrics on http://(127\.0\.0\.1:\d+)/metrics")]
    private static partial Regex MetricsLine();

    /// <summary>Messages with a subject each, and what the server answered for each.</summary>
    private sealed class Mail(Xunit.Abstractions.ITestOutputHelper output)
    {
        private readonly ConcurrentDictionary<string, bool> _acknowledged = new();
        private readonly ConcurrentDictionary<string, bool> _refused = new();

        public async Task<RawSmtpClient> ConnectAsync(ServerProcess server)
        {
            RawSmtpClient client = await RawSmtpClient.ConnectAsync(server.Port, "127.0.0.1");
            await client.ReadReplyAsync();
            await client.CommandAsync("EHLO c.example");
            return client;
        }

        /// <summary>Something a client was refused (a message, a connection): a test with no refusal proved nothing.</summary>
        public void Refused(string what) => _refused[what] = true;

        /// <summary>One transaction; returns the reply to its end of data.</summary>
        public async Task<string> SendAsync(RawSmtpClient client, string subject, int size)
        {
            await client.SendAsync("MAIL FROM:<a@client.test>\r\nRCPT TO:<b@remote.example>\r\nDATA\r\n");
            List<string> replies = await client.ReadRepliesAsync(3);
            Assert.StartsWith("354", replies[2]);
            string line = new string('x', 70) + "\r\n";
            await client.SendAsync($"Subject: {subject}\r\n\r\n{string.Concat(Enumerable.Repeat(line, size / line.Length))}.\r\n");
            string reply = (await client.ReadReplyAsync())?.Trim() ?? "(closed)";
            (reply.StartsWith("250", StringComparison.Ordinal) ? _acknowledged : _refused)[subject] = true;
            return reply;
        }

        /// <summary>As a client whose message was deferred: again, under a new subject each time, until it is accepted (bounded).</summary>
        public async Task<string> SendUntilAcceptedAsync(RawSmtpClient client, string subject, int size, Action? during = null)
        {
            string reply = string.Empty;
            for (int attempt = 0; attempt < 150; attempt++)
            {
                during?.Invoke();
                reply = await SendAsync(client, $"{subject}-{attempt}", size);
                if (reply.StartsWith("250", StringComparison.Ordinal))
                {
                    return reply;
                }

                Assert.StartsWith("4", reply);
                await Task.Delay(200);
            }

            return reply;
        }

        /// <summary>
        /// The server was killed with -9 while its next hop was down: a new one on the same spool
        /// delivers to smtp-sink every acknowledged message once, and none of the refused.
        /// </summary>
        public async Task DeliverAfterRestartAsync(int nextHop, Func<Task<ServerProcess>> restart, string visibleSpool)
        {
            Assert.NotEmpty(_acknowledged);
            Assert.NotEmpty(_refused);
            await using SmtpSink sink = await SmtpSink.StartAsync(nextHop);
            await using ServerProcess again = await restart();
            await sink.WaitForMessagesAsync(_acknowledged.Count, TimeSpan.FromSeconds(60), () => again.Output);
            DateTime deadline = DateTime.UtcNow.AddSeconds(30);
            while (UndeliveredCount(visibleSpool) > 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }

            Assert.Equal(0, UndeliveredCount(visibleSpool));
            List<string> arrived = sink.Messages()
                .Select(dump => dump.Split('\n').First(line => line.StartsWith("Subject: ", StringComparison.Ordinal))["Subject: ".Length..].Trim())
                .ToList();
            Assert.All(_acknowledged.Keys, subject => Assert.Equal(1, arrived.Count(a => a == subject)));
            Assert.All(_refused.Keys, subject => Assert.DoesNotContain(subject, arrived));
            Assert.Equal(_acknowledged.Count, arrived.Count);
            int lost = _acknowledged.Keys.Count(subject => !arrived.Contains(subject));
            int duplicated = arrived.Count - arrived.Distinct().Count();
            output.WriteLine($"acknowledged {_acknowledged.Count}, refused {_refused.Count}, delivered {arrived.Count}, lost {lost}, duplicated {duplicated}, refused but delivered {_refused.Keys.Count(arrived.Contains)}");
        }
    }
}
