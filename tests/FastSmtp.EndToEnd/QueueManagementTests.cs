using FastSmtp.EndToEnd.Peers;
using FastSmtp.Queue;

namespace FastSmtp.EndToEnd;

/// <summary>
/// `queue hold`, `release` and `delete` against a running server and a stopped one's spool,
/// across `kill -9` and restart, with Postfix's smtp-sink as the next hop.
/// </summary>
public class QueueManagementTests
{
    [SkippableFact]
    public async Task A_held_message_survives_kill_9_is_not_delivered_and_is_delivered_once_released()
    {
        int port = RequiredTool.FreeTcpPort();
        await using ServerProcess first = await ServerProcess.StartAsync("--smarthost", $"127.0.0.1:{port}");
        string spool = first.Spool;
        string heldId = await DeliveryTests.SendAsync(first.Port, "alice@client.test", ["held@remote.example"], "held back");
        await DeliveryTests.WaitForQueueAsync(spool, queue => queue is [{ State: RecipientState.Deferred }]);

        (int exit, string answer) = await DeliveryTests.RunCliAsync("queue", "hold", heldId, "--spool", spool);
        Assert.Equal(0, exit);
        Assert.Equal("held 1", answer.Trim());
        Assert.Equal(RecipientState.Held, Assert.Single(SpoolReader.ReadQueue(spool)).State);
        (_, string list) = await DeliveryTests.RunCliAsync("queue", "list", "--spool", spool);
        Assert.Contains("\theld@remote.example\theld\t1\t", list);
        first.Kill();

        await using SmtpSink sink = await SmtpSink.StartAsync(port);
        await using ServerProcess second = await ServerProcess.StartAsync("--spool", spool, "--smarthost", $"127.0.0.1:{port}");

        // Every recovered message is due at once; a message sent after the restart arriving at
        // the sink shows the queue has been worked, and the held one was not among it.
        await DeliveryTests.SendAsync(second.Port, "alice@client.test", ["free@remote.example"], "goes through");
        Assert.Contains("Subject: goes through", Assert.Single(await sink.WaitForMessagesAsync(1)));
        Assert.Equal(heldId, Assert.Single(await DeliveryTests.WaitForQueueAsync(spool, queue => queue.Count == 1)).QueueId.ToString());
        Assert.Equal(RecipientState.Held, Assert.Single(SpoolReader.ReadQueue(spool)).State);
        (int flushed, string flushAnswer) = await DeliveryTests.RunCliAsync("queue", "flush", "--spool", spool);
        Assert.Equal(0, flushed);
        Assert.Equal("flushed 0", flushAnswer.Trim());

        (int released, string releaseAnswer) = await DeliveryTests.RunCliAsync("queue", "release", heldId, "--spool", spool);
        Assert.Equal(0, released);
        Assert.Equal("released 1", releaseAnswer.Trim());
        Assert.Contains(await sink.WaitForMessagesAsync(2), dump => dump.Contains("Subject: held back", StringComparison.Ordinal));
        Assert.Empty(await DeliveryTests.WaitForQueueAsync(spool, queue => queue.Count == 0));
    }

    [SkippableFact]
    public async Task A_deleted_message_never_comes_back_and_bounces_to_no_one()
    {
        int port = RequiredTool.FreeTcpPort();
        await using ServerProcess first = await ServerProcess.StartAsync("--smarthost", $"127.0.0.1:{port}");
        string spool = first.Spool;

        // A local sender: a bounce would land in its Maildir.
        string deletedId = await DeliveryTests.SendAsync(first.Port, "postmaster@localhost", ["gone@one.example"], "deleted");
        await DeliveryTests.SendAsync(first.Port, "postmaster@localhost", ["kept@two.example"], "kept");
        await DeliveryTests.WaitForQueueAsync(spool, queue => queue.Count == 2 && queue.All(r => r.State == RecipientState.Deferred));

        (int exit, string answer) = await DeliveryTests.RunCliAsync("queue", "delete", deletedId, "--spool", spool);
        Assert.Equal(0, exit);
        Assert.Equal("deleted 1", answer.Trim());
        Assert.Equal("kept@two.example", Assert.Single(await DeliveryTests.WaitForQueueAsync(spool, queue => queue.Count == 1)).Address);
        await first.WaitForOutputAsync("Queue delete: 1 messages");
        first.Kill();

        await using SmtpSink sink = await SmtpSink.StartAsync(port);
        await using ServerProcess second = await ServerProcess.StartAsync("--spool", spool, "--smarthost", $"127.0.0.1:{port}");
        Assert.Contains("Subject: kept", Assert.Single(await sink.WaitForMessagesAsync(1)));
        Assert.Empty(await DeliveryTests.WaitForQueueAsync(spool, queue => queue.Count == 0));
        Assert.DoesNotContain("Queued DSN", first.Output + second.Output);
        Assert.False(Directory.Exists(Path.Combine(first.Root, "mail", "localhost", "postmaster")), "no bounce was delivered");
        Assert.False(Directory.Exists(Path.Combine(second.Root, "mail", "localhost", "postmaster")), "no bounce was delivered");
        Assert.DoesNotContain(deletedId, second.Output);
    }

    [SkippableFact]
    public async Task A_stopped_server_s_spool_is_changed_in_place_and_a_running_server_owns_its_spool()
    {
        int port = RequiredTool.FreeTcpPort();
        await using ServerProcess first = await ServerProcess.StartAsync("--smarthost", $"127.0.0.1:{port}");
        string spool = first.Spool;
        string one = await DeliveryTests.SendAsync(first.Port, "alice@client.test", ["a@one.example"], "one");
        string two = await DeliveryTests.SendAsync(first.Port, "alice@client.test", ["b@two.example"], "two");
        await DeliveryTests.WaitForQueueAsync(spool, queue => queue.Count == 2 && queue.All(r => r.State == RecipientState.Deferred));

        // A second server on the same spool would write the same log: refused.
        (int secondServer, string secondOutput) = await DeliveryTests.RunCliAsync("--listen", "127.0.0.1:0", "--spool", spool);
        Assert.Equal(1, secondServer);
        Assert.Contains("one FastSmtp server per spool", secondOutput);
        first.Kill();

        (int held, string holdAnswer) = await DeliveryTests.RunCliAsync("queue", "hold", "--domain", "one.example", "--spool", spool);
        Assert.Equal(0, held);
        Assert.Equal("held 1", holdAnswer.Trim());
        (int deleted, string deleteAnswer) = await DeliveryTests.RunCliAsync("queue", "delete", two, "--spool", spool);
        Assert.Equal(0, deleted);
        Assert.Equal("deleted 1", deleteAnswer.Trim());
        QueuedRecipient left = Assert.Single(SpoolReader.ReadQueue(spool));
        Assert.Equal(one, left.QueueId.ToString());
        Assert.Equal(RecipientState.Held, left.State);

        (int unknown, string unknownAnswer) = await DeliveryTests.RunCliAsync("queue", "release", "NOSUCHID", "--spool", spool);
        Assert.Equal(0, unknown);
        Assert.Equal("released 0", unknownAnswer.Trim());
        (int bare, string usage) = await DeliveryTests.RunCliAsync("queue", "delete", "--spool", spool);
        Assert.Equal(2, bare);
        Assert.Contains("usage: FastSmtp queue delete QUEUE-ID | --domain DOMAIN | --all", usage);

        (int released, string releaseAnswer) = await DeliveryTests.RunCliAsync("queue", "release", "--all", "--spool", spool);
        Assert.Equal(0, released);
        Assert.Equal("released 1", releaseAnswer.Trim());
        await using SmtpSink sink = await SmtpSink.StartAsync(port);
        await using ServerProcess second = await ServerProcess.StartAsync("--spool", spool, "--smarthost", $"127.0.0.1:{port}");
        Assert.Contains("Subject: one", Assert.Single(await sink.WaitForMessagesAsync(1)));
        Assert.Empty(await DeliveryTests.WaitForQueueAsync(spool, queue => queue.Count == 0));
    }
}
