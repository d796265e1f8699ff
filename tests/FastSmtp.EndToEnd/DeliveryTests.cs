using System.Diagnostics;
using System.Text;
using FastSmtp.EndToEnd.Peers;
using FastSmtp.Protocol;
using FastSmtp.Queue;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace FastSmtp.EndToEnd;

/// <summary>
/// The relay end to end: the real server delivering to Postfix's smtp-sink,
/// routed by a smarthost or by MX records served by dnsmasq, retrying, flushing and bouncing.
/// </summary>
public class DeliveryTests
{
    [SkippableFact]
    public async Task Remote_mail_goes_to_the_smarthost_in_one_transaction_and_leaves_the_queue()
    {
        await using SmtpSink sink = await SmtpSink.StartAsync();
        await using ServerProcess server = await ServerProcess.StartAsync("--smarthost", $"127.0.0.1:{sink.Port}");

        string queueId = await SendAsync(server.Port, "alice@client.test", ["a@one.example", "b@two.example"], "via the smarthost");

        string dump = Assert.Single(await sink.WaitForMessagesAsync(1));
        Assert.Contains("X-Mail-Args: <alice@client.test>", dump);
        Assert.Contains("X-Rcpt-Args: <a@one.example>", dump);
        Assert.Contains("X-Rcpt-Args: <b@two.example>", dump);
        Assert.Contains("Subject: via the smarthost", dump);
        Assert.Contains($"with ESMTP id {queueId}", dump);
        Assert.Empty(await WaitForQueueAsync(server.Spool, queue => queue.Count == 0));
    }

    [SkippableFact]
    public async Task Mx_records_from_dnsmasq_route_the_mail_and_a_domain_that_does_not_exist_bounces()
    {
        await using SmtpSink sink = await SmtpSink.StartAsync();
        await using Dnsmasq dns = await Dnsmasq.StartAsync(
            "--mx-host=mx.test,backup.mx.test,20",
            "--mx-host=mx.test,primary.mx.test,10",
            "--host-record=primary.mx.test,127.0.0.1",
            "--host-record=backup.mx.test,127.0.0.254",
            "--host-record=no-mx.test,127.0.0.1");
        await using ServerProcess server = await ServerProcess.StartAsync("--dns", dns.Endpoint, "--mx-port", sink.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        await SendAsync(server.Port, "postmaster@localhost", ["u@mx.test"], "by MX");
        await SendAsync(server.Port, "postmaster@localhost", ["u@no-mx.test"], "by A record");
        string bouncedId = await SendAsync(server.Port, "postmaster@localhost", ["u@nowhere.test"], "to nowhere");

        List<string> dumps = await sink.WaitForMessagesAsync(2);
        Assert.Equal(2, dumps.Count);
        Assert.Contains(dumps, dump => dump.Contains("X-Rcpt-Args: <u@mx.test>", StringComparison.Ordinal) && dump.Contains("Subject: by MX", StringComparison.Ordinal));

        // No MX record: the domain's own address is its mail host (RFC 5321 5.1).
        Assert.Contains(dumps, dump => dump.Contains("X-Rcpt-Args: <u@no-mx.test>", StringComparison.Ordinal));
        await server.WaitForOutputAsync($"for {bouncedId}: 1 recipients reported");

        MimeMessage bounce = await MimeMessage.LoadAsync(Assert.Single(await WaitForMaildirAsync(server, "localhost", "postmaster", 1)));
        Assert.Equal("Undelivered Mail Returned to Sender", bounce.Subject);
        Assert.Equal("postmaster@localhost", bounce.To.Mailboxes.Single().Address);
        var report = Assert.IsType<MultipartReport>(bounce.Body);
        using var statusReader = new StreamReader(((MimePart)report[1]).Content!.Open(), Encoding.ASCII);
        string status = await statusReader.ReadToEndAsync();
        Assert.Contains("Final-Recipient: rfc822; u@nowhere.test", status);
        Assert.Contains("Status: 5.1.2", status);
        Assert.Contains("Action: failed", status);
        Assert.Contains("Subject: to nowhere", report[2].ToString());
    }

    [SkippableFact]
    public async Task A_next_hop_that_is_down_defers_the_mail_and_queue_flush_delivers_it_once_the_hop_is_up()
    {
        int port = RequiredTool.FreeTcpPort();
        await using ServerProcess server = await ServerProcess.StartAsync("--smarthost", $"127.0.0.1:{port}");

        string queueId = await SendAsync(server.Port, "alice@client.test", ["later@remote.example"], "deferred");
        QueuedRecipient deferred = Assert.Single(await WaitForQueueAsync(server.Spool, queue => queue is [{ State: RecipientState.Deferred }]));
        Assert.Equal(RecipientState.Deferred, deferred.State);
        Assert.Equal(1, deferred.Attempts);
        Assert.Contains("ConnectionRefused", deferred.LastResponse);
        Assert.True(deferred.NextAttempt > DateTimeOffset.UtcNow.AddSeconds(30), "the first retry waits about a minute");

        await using SmtpSink sink = await SmtpSink.StartAsync(port);
        (int exit, string output) = await RunCliAsync("queue", "flush", "--spool", server.Spool);

        Assert.Equal(0, exit);
        Assert.Equal("flushed 1", output.Trim());
        string dump = Assert.Single(await sink.WaitForMessagesAsync(1));
        Assert.Contains("Subject: deferred", dump);
        Assert.Empty(await WaitForQueueAsync(server.Spool, queue => queue.Count == 0));
    }

    [SkippableFact]
    public async Task Queue_flush_takes_one_domain_or_one_message_and_leaves_the_rest_waiting()
    {
        int port = RequiredTool.FreeTcpPort();
        await using ServerProcess server = await ServerProcess.StartAsync("--smarthost", $"127.0.0.1:{port}");
        string first = await SendAsync(server.Port, "alice@client.test", ["a@one.example"], "to one");
        await SendAsync(server.Port, "alice@client.test", ["b@two.example"], "to two");
        await WaitForQueueAsync(server.Spool, queue => queue.Count == 2 && queue.All(r => r.State == RecipientState.Deferred));

        await using SmtpSink sink = await SmtpSink.StartAsync(port);
        (int byDomain, string domainAnswer) = await RunCliAsync("queue", "flush", "--domain", "two.example", "--spool", server.Spool);
        Assert.Equal(0, byDomain);
        Assert.Equal("flushed 1", domainAnswer.Trim());
        Assert.Contains("Subject: to two", Assert.Single(await sink.WaitForMessagesAsync(1)));
        Assert.Equal(first, Assert.Single(await WaitForQueueAsync(server.Spool, queue => queue.Count == 1)).QueueId.ToString());

        (int byId, string idAnswer) = await RunCliAsync("queue", "flush", first, "--spool", server.Spool);
        Assert.Equal(0, byId);
        Assert.Equal("flushed 1", idAnswer.Trim());
        Assert.Contains(await sink.WaitForMessagesAsync(2), dump => dump.Contains("Subject: to one", StringComparison.Ordinal));
        Assert.Empty(await WaitForQueueAsync(server.Spool, queue => queue.Count == 0));
    }

    [SkippableFact]
    public async Task Queue_flush_without_a_server_says_so()
    {
        await using ServerProcess server = await ServerProcess.StartAsync();
        string spool = server.Spool;
        server.Kill();

        (int exit, string output) = await RunCliAsync("queue", "flush", "--spool", spool);

        Assert.Equal(1, exit);
        Assert.Contains("no FastSmtp server is running on", output);
    }

    [SkippableFact]
    public async Task A_refused_recipient_bounces_once_to_the_sender_but_not_with_NOTIFY_NEVER_and_a_delivery_is_reported_with_NOTIFY_SUCCESS()
    {
        await using SmtpSink refusing = await SmtpSink.StartAsync(null, "-f", "RCPT");
        await using ServerProcess server = await ServerProcess.StartAsync("--smarthost", $"127.0.0.1:{refusing.Port}");

        string bounced = await SendRawAsync(server.Port, "postmaster@localhost", "<one@remote.example> ORCPT=rfc822;One@Remote.Example", "reported");
        string silent = await SendRawAsync(server.Port, "postmaster@localhost", "<two@remote.example> NOTIFY=NEVER", "not reported");
        Assert.Empty(await WaitForQueueAsync(server.Spool, queue => queue.Count == 0));

        await server.WaitForOutputAsync($"Delivery {bounced} to <one@remote.example> via 127.0.0.1:{refusing.Port}: 5");
        await server.WaitForOutputAsync($"Delivery {silent} to <two@remote.example> via 127.0.0.1:{refusing.Port}: 5");
        string bounce = Assert.Single(await WaitForMaildirAsync(server, "localhost", "postmaster", 1));
        string text = await File.ReadAllTextAsync(bounce);
        Assert.Contains("Final-Recipient: rfc822; one@remote.example", text);
        Assert.Contains("Original-Recipient: rfc822;One@Remote.Example", text);
        Assert.Contains("Action: failed", text);
        Assert.Contains("Status: 5.", text);
        Assert.DoesNotContain("two@remote.example", text);

        await using SmtpSink accepting = await SmtpSink.StartAsync();
        await using ServerProcess second = await ServerProcess.StartAsync("--smarthost", $"127.0.0.1:{accepting.Port}");
        string delivered = await SendRawAsync(second.Port, "postmaster@localhost", "<three@remote.example> NOTIFY=SUCCESS", "tell me");
        await second.WaitForOutputAsync($"for {delivered}: 1 recipients reported");
        string report = await File.ReadAllTextAsync(Assert.Single(await WaitForMaildirAsync(second, "localhost", "postmaster", 1)));
        Assert.Contains("Subject: Successful Mail Delivery Report", report);
        Assert.Contains("Action: delivered", report);
        Assert.Contains("Final-Recipient: rfc822; three@remote.example", report);
    }

    [SkippableFact]
    public async Task A_message_that_could_not_be_delivered_for_five_days_bounces_as_expired()
    {
        // A spool written six days ago (by this build's own spool code), its next hop still down.
        string spool = Path.Combine(Path.GetTempPath(), "fastsmtp-old-" + Guid.NewGuid().ToString("N"));
        var old = new PendingMessage
        {
            QueueId = QueueId.Next(),
            ReceivedAt = DateTimeOffset.UtcNow.AddDays(-6),
            ClientAddress = "127.0.0.1",
            HeloName = "client.test",
            Protocol = MessageProtocol.Esmtp,
            MailFrom = "postmaster@localhost",
        };
        old.Recipients.Add(new SpoolRecipient("gone@remote.example", RecipientNotify.Default, null));
        old.Body.Append("Subject: from last week\r\n\r\nstill here\r\n"u8);
        using (var writer = new Spool(spool, Microsoft.Extensions.Logging.Abstractions.NullLogger<Spool>.Instance))
        {
            Assert.Equal(CommitResult.Committed, await writer.CommitAsync(old));
        }

        try
        {
            await using ServerProcess server = await ServerProcess.StartAsync("--spool", spool, "--smarthost", $"127.0.0.1:{RequiredTool.FreeTcpPort()}");

            string bounce = await File.ReadAllTextAsync(Assert.Single(await WaitForMaildirAsync(server, "localhost", "postmaster", 1)));
            Assert.Contains("Final-Recipient: rfc822; gone@remote.example", bounce);
            Assert.Contains("Status: 4.4.7", bounce);
            Assert.Contains("delivery time expired", bounce);
            Assert.Contains("Subject: from last week", bounce);
            Assert.Empty(await WaitForQueueAsync(spool, queue => queue.Count == 0));
        }
        finally
        {
            Directory.Delete(spool, recursive: true);
        }
    }

    internal static async Task<string> SendAsync(int port, string from, string[] to, string subject)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        foreach (string recipient in to)
        {
            message.To.Add(MailboxAddress.Parse(recipient));
        }

        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = "Hello.\r\n.A line with a leading dot.\r\n" };
        using var client = new SmtpClient();
        await client.ConnectAsync("127.0.0.1", port, SecureSocketOptions.None);
        string response = await client.SendAsync(message);
        await client.DisconnectAsync(quit: true);
        return response.Split(' ')[^1];
    }

    /// <summary>A transaction with RCPT parameters MailKit does not let a caller choose.</summary>
    internal static async Task<string> SendRawAsync(int port, string from, string rcptArguments, string subject)
    {
        await using RawSmtpClient client = await RawSmtpClient.ConnectAsync(port, "127.0.0.1");
        Assert.StartsWith("220", await client.ReadReplyAsync());
        Assert.StartsWith("250", await client.CommandAsync("EHLO client.test"));
        Assert.StartsWith("250", await client.CommandAsync($"MAIL FROM:<{from}>"));
        Assert.StartsWith("250", await client.CommandAsync($"RCPT TO:{rcptArguments}"));
        Assert.StartsWith("354", await client.CommandAsync("DATA"));
        string reply = await client.CommandAsync($"From: <{from}>\r\nSubject: {subject}\r\nMessage-ID: <{Guid.NewGuid():N}@client.test>\r\n\r\nBody.\r\n.");
        Assert.StartsWith("250", reply);
        await client.CommandAsync("QUIT");
        return reply.Trim().Split(' ')[^1];
    }

    internal static async Task<string[]> WaitForMaildirAsync(ServerProcess server, string host, string user, int count)
    {
        string folder = Path.Combine(server.Root, "mail", host, user, "new");
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            string[] files = Directory.Exists(folder) ? Directory.GetFiles(folder) : [];
            if (files.Length >= count)
            {
                return files;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{folder} holds {files.Length} of {count} messages:\n{server.Output}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Polls the spool (bounded) until its undelivered recipients satisfy <paramref name="done"/>.</summary>
    internal static async Task<List<QueuedRecipient>> WaitForQueueAsync(string spool, Func<List<QueuedRecipient>, bool> done)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            List<QueuedRecipient> queue = SpoolReader.ReadQueue(spool);
            if (done(queue) || DateTime.UtcNow > deadline)
            {
                return queue;
            }

            await Task.Delay(50);
        }
    }

    internal static async Task<(int ExitCode, string Output)> RunCliAsync(params string[] arguments)
    {
        (int exit, string output, string error) = await ServerProcess.RunCommandAsync(null, arguments);
        return (exit, output + error);
    }
}
