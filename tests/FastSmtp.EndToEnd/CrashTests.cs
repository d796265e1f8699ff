using System.Collections.Concurrent;
using System.Text;

namespace FastSmtp.EndToEnd;

/// <summary>250 means on disk: a kill -9 right after the reply loses nothing.</summary>
public class CrashTests
{
    [Fact]
    public async Task A_message_acknowledged_just_before_kill_9_is_in_the_spool()
    {
        await using ServerProcess server = await ServerProcess.StartAsync();
        await using RawSmtpClient client = await RawSmtpClient.ConnectAsync(server.Port);
        await client.ReadReplyAsync();
        await client.SendAsync("EHLO c.example\r\nMAIL FROM:<durable@a.example>\r\nRCPT TO:<postmaster@localhost>\r\nDATA\r\n");
        await client.ReadRepliesAsync(4);

        await client.SendAsync("Subject: survive\r\n\r\nacknowledged means fsync'd\r\n.\r\n");
        string reply = (await client.ReadReplyAsync())!;
        server.Kill();

        Assert.StartsWith("250 2.0.0 Ok: queued as ", reply);
        string queueId = reply.Trim().Split(' ')[^1];
        var stored = Assert.Single(server.ReadSpool());
        Assert.Equal(queueId, stored.QueueId.ToString());
        Assert.EndsWith("Subject: survive\r\n\r\nacknowledged means fsync'd\r\n", Encoding.ASCII.GetString(stored.Body));
    }

    [Fact]
    public async Task Every_message_acknowledged_by_concurrent_clients_survives_kill_9()
    {
        await using ServerProcess server = await ServerProcess.StartAsync();
        var acknowledged = new ConcurrentBag<string>();
        using var enough = new CancellationTokenSource();

        async Task SendUntilKilled(int clientNumber)
        {
            await using RawSmtpClient client = await RawSmtpClient.ConnectAsync(server.Port);
            await client.ReadReplyAsync();
            await client.CommandAsync("EHLO c.example");
            for (int i = 0; !enough.IsCancellationRequested && i < 500; i++)
            {
                await client.SendAsync($"MAIL FROM:<c{clientNumber}@a.example>\r\nRCPT TO:<postmaster@localhost>\r\nDATA\r\n");
                if ((await client.ReadRepliesAsync(3))[2].StartsWith("354", StringComparison.Ordinal))
                {
                    await client.SendAsync($"Subject: {clientNumber}/{i}\r\n\r\nbody\r\n.\r\n");
                    string? reply = await client.ReadReplyAsync();
                    if (reply is null)
                    {
                        return;
                    }

                    acknowledged.Add(reply.Trim().Split(' ')[^1]);
                    if (acknowledged.Count >= 40)
                    {
                        enough.Cancel();
                    }
                }
            }
        }

        Task[] clients = Enumerable.Range(0, 4).Select(c => Task.Run(() => SendUntilKilled(c))).ToArray();
        await Task.WhenAny(Task.WhenAll(clients), Task.Delay(Timeout.Infinite, enough.Token)).ContinueWith(_ => { });
        server.Kill();
        await Task.WhenAll(clients).ContinueWith(_ => { });

        HashSet<string> spooled = server.ReadSpool().Select(m => m.QueueId.ToString()).ToHashSet();
        Assert.True(acknowledged.Count >= 40, $"only {acknowledged.Count} acknowledged");
        Assert.All(acknowledged, id => Assert.Contains(id, spooled));
    }

    [Fact]
    public async Task A_restart_after_kill_9_serves_again_and_keeps_the_old_messages()
    {
        string kept = Path.Combine(Path.GetTempPath(), "fastsmtp-kept-" + Guid.NewGuid().ToString("N"));
        string queueId;
        await using (ServerProcess first = await ServerProcess.StartAsync())
        {
            await using RawSmtpClient client = await RawSmtpClient.ConnectAsync(first.Port);
            await client.ReadReplyAsync();
            await client.SendAsync("EHLO c.example\r\nMAIL FROM:<a@a.example>\r\nRCPT TO:<postmaster@localhost>\r\nDATA\r\n");
            await client.ReadRepliesAsync(4);
            await client.SendAsync("first life\r\n.\r\n");
            queueId = (await client.ReadReplyAsync())!.Trim().Split(' ')[^1];
            first.Kill();

            // Same spool, new process: copied out of the first server's folder, which disposing deletes.
            CopyDirectory(first.Spool, kept);
        }

        await using ServerProcess second = await ServerProcess.StartAsync("--spool", kept);
        await using RawSmtpClient again = await RawSmtpClient.ConnectAsync(second.Port);
        await again.ReadReplyAsync();
        await again.SendAsync("EHLO c.example\r\nMAIL FROM:<a@a.example>\r\nRCPT TO:<postmaster@localhost>\r\nDATA\r\n");
        await again.ReadRepliesAsync(4);
        await again.SendAsync("second life\r\n.\r\n");
        Assert.StartsWith("250 2.0.0 Ok: queued as", await again.ReadReplyAsync());

        List<string> ids = FastSmtp.Queue.SpoolReader.ReadMessages(kept).Select(m => m.QueueId.ToString()).ToList();
        Assert.Equal(2, ids.Count);
        Assert.Equal(queueId, ids[0]);
        Directory.Delete(kept, recursive: true);
    }

    [Fact]
    public async Task Queue_list_shows_each_message_with_its_envelope_and_recipients()
    {
        // A next hop that accepts the connection and never says a word: the delivery attempt
        // stays in flight, so both recipients are still untried when the list is taken.
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        await using ServerProcess server = await ServerProcess.StartAsync("--smarthost", silent.LocalEndpoint.ToString()!);
        await using RawSmtpClient client = await RawSmtpClient.ConnectAsync(server.Port, "127.0.0.1");
        await client.ReadReplyAsync();
        await client.SendAsync("EHLO c.example\r\nMAIL FROM:<a@a.example>\r\nRCPT TO:<first@remote.example>\r\nRCPT TO:<second@remote.example>\r\nDATA\r\n");
        await client.ReadRepliesAsync(5);
        await client.SendAsync("Subject: queued\r\n\r\nsecret body\r\n.\r\n");
        string queueId = (await client.ReadReplyAsync())!.Trim().Split(' ')[^1];

        (int exit, string output, string summary) = await ServerProcess.RunCommandAsync(null, "queue", "list", "--spool", server.Spool);

        Assert.Equal(0, exit);
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);

        // The message: queue id, arrival (just now), size (the Received: field and the message), sender.
        string[] message = lines[0].Split('\t');
        Assert.Equal(queueId, message[0]);
        Assert.InRange(DateTimeOffset.Parse(message[1], System.Globalization.CultureInfo.InvariantCulture), DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.InRange(long.Parse(message[2], System.Globalization.CultureInfo.InvariantCulture), "Subject: queued\r\n\r\nsecret body\r\n".Length + 1, 1000);
        Assert.Equal("<a@a.example>", message[3]);

        // Its recipients, indented, untried.
        Assert.Equal(["\tfirst@remote.example\tpending\t0", "\tsecond@remote.example\tpending\t0"], lines[1..].Select(l => string.Join('\t', l.Split('\t')[..4])));
        Assert.Contains("1 messages, 2 undelivered recipients", summary);

        // queue show: the envelope, each recipient's state, the header block (here the Received: field).
        (int shown, string shownText) = await DeliveryTests.RunCliAsync("queue", "show", queueId, "--spool", server.Spool);
        Assert.Equal(0, shown);
        string[] show = shownText.Split('\n');
        Assert.Equal($"queue id: {queueId}", show[0]);
        Assert.Contains("client: [127.0.0.1] helo=c.example protocol=ESMTP", show);
        Assert.Contains("sender: <a@a.example>", show);
        Assert.Contains(show, line => line.StartsWith("recipient: <first@remote.example> pending attempts=0 ", StringComparison.Ordinal));
        Assert.Contains(show, line => line.StartsWith("recipient: <second@remote.example> pending attempts=0 ", StringComparison.Ordinal));
        Assert.Contains(show, line => line.StartsWith("Received: from c.example ([127.0.0.1])", StringComparison.Ordinal));
        Assert.Contains("Subject: queued\r", show);
        Assert.DoesNotContain(show, line => line.Contains("secret body", StringComparison.Ordinal));
        (int missing, string complaint) = await DeliveryTests.RunCliAsync("queue", "show", "0000000000000000", "--spool", server.Spool);
        Assert.Equal(1, missing);
        Assert.Contains("no message 0000000000000000", complaint);
    }

    [SkippableFact]
    public async Task After_kill_9_with_the_next_hop_down_every_acknowledged_message_arrives_exactly_once()
    {
        int nextHop = Peers.RequiredTool.FreeTcpPort();
        string spool = Path.Combine(Path.GetTempPath(), "fastsmtp-crash-" + Guid.NewGuid().ToString("N"));
        var acknowledged = new ConcurrentBag<string>();
        try
        {
            await using (ServerProcess first = await ServerProcess.StartAsync("--spool", spool, "--smarthost", $"127.0.0.1:{nextHop}"))
            {
                using var enough = new CancellationTokenSource();

                async Task SendUntilKilled(int clientNumber)
                {
                    await using RawSmtpClient client = await RawSmtpClient.ConnectAsync(first.Port, "127.0.0.1");
                    await client.ReadReplyAsync();
                    await client.CommandAsync("EHLO c.example");
                    for (int i = 0; i < 500; i++)
                    {
                        string subject = $"crash-{clientNumber}-{i}";
                        await client.SendAsync($"MAIL FROM:<c{clientNumber}@a.example>\r\nRCPT TO:<r{clientNumber}@remote.example>\r\nDATA\r\n");
                        List<string> replies = await client.ReadRepliesAsync(3);
                        if (!replies[2].StartsWith("354", StringComparison.Ordinal))
                        {
                            return;
                        }

                        await client.SendAsync($"Subject: {subject}\r\n\r\nbody\r\n.\r\n");
                        string? reply = await client.ReadReplyAsync();
                        if (reply is null || !reply.StartsWith("250", StringComparison.Ordinal))
                        {
                            return;
                        }

                        acknowledged.Add(subject);
                        if (acknowledged.Count >= 40)
                        {
                            enough.Cancel();
                        }
                    }
                }

                Task[] clients = Enumerable.Range(0, 4).Select(c => Task.Run(() => SendUntilKilled(c))).ToArray();
                await Task.WhenAny(Task.WhenAll(clients), Task.Delay(TimeSpan.FromSeconds(60), enough.Token)).ContinueWith(_ => { });

                // The clients are still sending: some transactions die half-way.
                first.Kill();
                await Task.WhenAll(clients).ContinueWith(_ => { });
            }

            Assert.True(acknowledged.Count >= 40, $"only {acknowledged.Count} acknowledged");
            await using Peers.SmtpSink sink = await Peers.SmtpSink.StartAsync(nextHop);
            await using ServerProcess second = await ServerProcess.StartAsync("--spool", spool, "--smarthost", $"127.0.0.1:{nextHop}");
            await sink.WaitForMessagesAsync(acknowledged.Count);
            DateTime deadline = DateTime.UtcNow.AddSeconds(30);
            while (FastSmtp.Queue.SpoolReader.ReadQueue(spool).Count > 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }

            Assert.Empty(FastSmtp.Queue.SpoolReader.ReadQueue(spool));
            List<string> arrived = sink.Messages()
                .Select(dump => dump.Split('\n').First(line => line.StartsWith("Subject: ", StringComparison.Ordinal))["Subject: ".Length..].Trim())
                .ToList();
            Assert.All(acknowledged, subject => Assert.Equal(1, arrived.Count(a => a == subject)));
            Assert.Equal(arrived.Count, arrived.Distinct().Count());
        }
        finally
        {
            if (Directory.Exists(spool))
            {
                Directory.Delete(spool, recursive: true);
            }
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (string directory in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(directory.Replace(from, to, StringComparison.Ordinal));
        }

        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            if (Path.GetFileName(file) == "control.sock")
            {
                // The dead server's control socket: not data, and not a file that can be copied.
                continue;
            }

            File.Copy(file, file.Replace(from, to, StringComparison.Ordinal));
        }
    }
}
