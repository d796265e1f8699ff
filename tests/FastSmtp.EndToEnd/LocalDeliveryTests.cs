using System.Text;
using FastSmtp.EndToEnd.Peers;
using FastSmtp.Queue;

namespace FastSmtp.EndToEnd;

/// <summary>
/// Local delivery: aliases and groups expanded when accepted, each
/// final address served once per message, local users into Maildir under their host's
/// canonical name, remote group members over SMTP; and a mail loop bounced, not delivered.
/// </summary>
public class LocalDeliveryTests
{
    [SkippableFact]
    public async Task Aliases_and_groups_expand_and_a_user_reached_four_ways_gets_one_copy()
    {
        await using SmtpSink sink = await SmtpSink.StartAsync();
        await using ServerProcess server = await ServerProcess.StartWithPolicyAsync("open-groups", "--smarthost", $"127.0.0.1:{sink.Port}");

        await using RawSmtpClient client = await RawSmtpClient.ConnectAsync(server.Port, "127.0.0.1");
        await client.ReadReplyAsync();
        await client.CommandAsync("EHLO c.example");
        await client.SendAsync(
            "MAIL FROM:<sender@client.example>\r\n" +
            "RCPT TO:<info@e2e.test>\r\n" +           // alias of fred@mail.e2e.test
            "RCPT TO:<staff@mail.e2e.test>\r\n" +     // group: fred and ann@partner.example
            "RCPT TO:<fred@e2e.test>\r\n" +           // fred through a host alias
            "RCPT TO:<FRED@mail.e2e.test>\r\n" +      // fred in capitals
            "DATA\r\n");
        List<string> replies = await client.ReadRepliesAsync(6);
        Assert.All(replies.Take(5), reply => Assert.StartsWith("250", reply));
        await client.SendAsync("Subject: to everyone\r\n\r\nonce each\r\n.\r\n");
        string queueId = (await client.ReadReplyAsync())!.Trim().Split(' ')[^1];

        SpooledMessage queued = Assert.Single(server.ReadSpool(), m => m.QueueId.ToString() == queueId);
        Assert.Equal(["fred@mail.e2e.test", "ann@partner.example"], queued.Recipients.Select(r => r.Address));
        Assert.Equal("rfc822;info@e2e.test", queued.Recipients[0].OriginalRecipient);
        Assert.Equal("rfc822;staff@mail.e2e.test", queued.Recipients[1].OriginalRecipient);

        string delivered = await File.ReadAllTextAsync(Assert.Single(await DeliveryTests.WaitForMaildirAsync(server, "mail.e2e.test", "fred", 1)));
        Assert.StartsWith("Return-Path: <sender@client.example>\r\nDelivered-To: fred@mail.e2e.test\r\nReceived: from c.example", delivered);
        Assert.EndsWith("Subject: to everyone\r\n\r\nonce each\r\n", delivered);
        string remote = Assert.Single(await sink.WaitForMessagesAsync(1));
        Assert.Contains("X-Rcpt-Args: <ann@partner.example>", remote);
        Assert.DoesNotContain("X-Rcpt-Args: <fred", remote);
        Assert.Empty(await DeliveryTests.WaitForQueueAsync(server.Spool, queue => queue.Count == 0));
        Assert.Single(Directory.GetFiles(Path.Combine(server.Root, "mail", "mail.e2e.test", "fred", "new")));
    }

    [SkippableFact]
    public async Task A_message_with_more_than_fifty_Received_headers_is_a_loop_and_bounces()
    {
        await using SmtpSink sink = await SmtpSink.StartAsync();
        await using ServerProcess server = await ServerProcess.StartAsync("--smarthost", $"127.0.0.1:{sink.Port}");
        var looping = new StringBuilder();
        for (int hop = 0; hop < 50; hop++)
        {
            looping.Append("Received: from hop").Append(hop).Append(".example by somewhere.example; Sat, 28 Nov 2026 00:00:00 +0000\r\n");
        }

        await using RawSmtpClient client = await RawSmtpClient.ConnectAsync(server.Port, "127.0.0.1");
        await client.ReadReplyAsync();
        await client.CommandAsync("EHLO c.example");
        await client.SendAsync("MAIL FROM:<postmaster@localhost>\r\nRCPT TO:<far@remote.example>\r\nDATA\r\n");
        await client.ReadRepliesAsync(3);
        await client.SendAsync(looping + "Subject: round and round\r\n\r\nloop\r\n.\r\n");
        string queueId = (await client.ReadReplyAsync())!.Trim().Split(' ')[^1];

        string bounce = await File.ReadAllTextAsync(Assert.Single(await DeliveryTests.WaitForMaildirAsync(server, "localhost", "postmaster", 1)));
        Assert.Contains("Status: 5.4.6", bounce);
        Assert.Contains("mail forwarding loop", bounce);
        Assert.Empty(await DeliveryTests.WaitForQueueAsync(server.Spool, queue => queue.Count == 0));
        await server.WaitForOutputAsync($"Delivery {queueId} to <far@remote.example> via none: 554 5.4.6");
        Assert.Empty(sink.Messages());
    }
}
