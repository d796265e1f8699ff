using System.Text;
using FastSmtp.Protocol;
using FastSmtp.Queue;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastSmtp.Tests.Queue;

public class SpoolTests
{
    [Fact]
    public async Task A_committed_message_reads_back_with_its_envelope_and_body()
    {
        using var directory = new TempDirectory();
        PendingMessage message = NewMessage("fred@widget.com", ["bob@foo.com", "ann@bar.example"], "Subject: hi\r\n\r\nhello\r\n");
        message.EnvelopeId = "ENV+2B1";
        message.Return = DsnReturn.Headers;
        message.Recipients[1] = message.Recipients[1] with { Notify = RecipientNotify.Failure | RecipientNotify.Delay, OriginalRecipient = "rfc822;ann@bar.example" };

        using (var spool = new Spool(directory.Path, NullLogger<Spool>.Instance))
        {
            Assert.Equal(CommitResult.Committed, await spool.CommitAsync(message));
        }

        SpooledMessage read = Assert.Single(SpoolReader.ReadMessages(directory.Path));
        Assert.Equal(message.QueueId, read.QueueId);
        Assert.Equal("fred@widget.com", read.MailFrom);
        Assert.Equal("127.0.0.1", read.ClientAddress);
        Assert.Equal("client.example", read.HeloName);
        Assert.Equal(MessageProtocol.Esmtp, read.Protocol);
        Assert.Equal("ENV+2B1", read.EnvelopeId);
        Assert.Equal(DsnReturn.Headers, read.Return);
        Assert.Equal(["bob@foo.com", "ann@bar.example"], read.Recipients.Select(r => r.Address));
        Assert.Equal(RecipientNotify.Failure | RecipientNotify.Delay, read.Recipients[1].Notify);
        Assert.Equal("rfc822;ann@bar.example", read.Recipients[1].OriginalRecipient);
        Assert.Equal("Subject: hi\r\n\r\nhello\r\n", Encoding.ASCII.GetString(read.Body));
    }

    [Fact]
    public async Task Concurrent_commits_share_fsyncs()
    {
        using var directory = new TempDirectory();
        using var spool = new Spool(directory.Path, NullLogger<Spool>.Instance);
        PendingMessage[] messages = Enumerable.Range(0, 200).Select(i => NewMessage($"s{i}@a.example", [$"r{i}@b.example"], $"body {i}\r\n")).ToArray();

        ValueTask<CommitResult>[] commits = messages.Select(spool.CommitAsync).ToArray();
        foreach (ValueTask<CommitResult> commit in commits)
        {
            Assert.Equal(CommitResult.Committed, await commit);
        }

        Assert.Equal(200, spool.CommittedMessages);
        Assert.True(spool.CommittedBatches < 200, $"{spool.CommittedBatches} batches for 200 messages");
        List<SpooledMessage> read = SpoolReader.ReadMessages(directory.Path);
        Assert.Equal(messages.Select(m => m.QueueId.Value).Order(), read.Select(m => m.QueueId.Value).Order());
    }

    [Fact]
    public async Task A_torn_tail_is_cut_off_at_start_and_later_commits_still_read()
    {
        using var directory = new TempDirectory();
        using (var spool = new Spool(directory.Path, NullLogger<Spool>.Instance))
        {
            await spool.CommitAsync(NewMessage("a@a.example", ["b@b.example"], "first\r\n"));
            await spool.CommitAsync(NewMessage("a@a.example", ["b@b.example"], "second\r\n"));
        }

        string segment = SpoolFormat.SegmentPath(directory.Path, 1);
        long committedLength = new FileInfo(segment).Length;

        // A crash mid-write: the start of a record header and half a payload.
        byte[] torn = File.ReadAllBytes(segment)[..40];
        using (FileStream stream = new(segment, FileMode.Append))
        {
            stream.Write(torn);
        }

        Assert.Equal(2, SpoolReader.ReadMessages(directory.Path).Count);
        using (var spool = new Spool(directory.Path, NullLogger<Spool>.Instance))
        {
            Assert.Equal(committedLength, new FileInfo(segment).Length);
            await spool.CommitAsync(NewMessage("a@a.example", ["b@b.example"], "third\r\n"));
        }

        Assert.Equal(["first\r\n", "second\r\n", "third\r\n"], SpoolReader.ReadMessages(directory.Path).Select(m => Encoding.ASCII.GetString(m.Body)));
    }

    [Fact]
    public async Task A_record_with_a_bad_checksum_is_never_read()
    {
        using var directory = new TempDirectory();
        using (var spool = new Spool(directory.Path, NullLogger<Spool>.Instance))
        {
            await spool.CommitAsync(NewMessage("a@a.example", ["b@b.example"], "will be damaged\r\n"));
        }

        string segment = SpoolFormat.SegmentPath(directory.Path, 1);
        byte[] bytes = File.ReadAllBytes(segment);
        bytes[^3] ^= 0xFF;
        File.WriteAllBytes(segment, bytes);

        Assert.Empty(SpoolReader.ReadMessages(directory.Path));
    }

    [Fact]
    public async Task A_large_body_is_spilled_to_a_data_file_and_reads_back_whole()
    {
        using var directory = new TempDirectory();
        using var spool = new Spool(directory.Path, NullLogger<Spool>.Instance);
        PendingMessage message = NewMessage("a@a.example", ["b@b.example"], string.Empty);
        byte[] line = Encoding.ASCII.GetBytes(new string('x', 998) + "\r\n");
        var expected = new MemoryStream();
        for (int i = 0; i < 1000; i++)
        {
            message.Body.Append(line);
            expected.Write(line);
            if (message.Body.NeedsSpill)
            {
                spool.Spill(message);
            }
        }

        Assert.NotNull(message.Body.FilePath);
        Assert.Equal(CommitResult.Committed, await spool.CommitAsync(message));
        message.Body.Reset(keepFile: true);

        SpooledMessage read = Assert.Single(SpoolReader.ReadMessages(directory.Path));
        Assert.Equal(expected.ToArray(), read.Body);
    }

    [Fact]
    public async Task Recipient_states_replay_so_only_undelivered_recipients_remain()
    {
        using var directory = new TempDirectory();
        PendingMessage message = NewMessage("a@a.example", ["one@b.example", "two@b.example", "three@b.example"], "body\r\n");
        DateTimeOffset retry = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()).AddMinutes(5);
        using (var spool = new Spool(directory.Path, NullLogger<Spool>.Instance))
        {
            await spool.CommitAsync(message);
            Assert.Equal(CommitResult.Committed, await spool.RecordAsync(
            [
                new RecipientStateChange(message.QueueId, 0, RecipientState.Delivered, 1, default, "250 2.0.0 Ok"),
                new RecipientStateChange(message.QueueId, 1, RecipientState.Deferred, 1, retry, "451 4.3.0 try later"),
            ]));
        }

        List<QueuedRecipient> queue = SpoolReader.ReadQueue(directory.Path);
        Assert.Equal(["two@b.example", "three@b.example"], queue.Select(r => r.Address));
        Assert.Equal((RecipientState.Deferred, 1, retry, "451 4.3.0 try later"), (queue[0].State, queue[0].Attempts, queue[0].NextAttempt, queue[0].LastResponse));
        Assert.Equal((RecipientState.Pending, 0), (queue[1].State, queue[1].Attempts));

        using (var spool = new Spool(directory.Path, NullLogger<Spool>.Instance))
        {
            await spool.RecordAsync([new RecipientStateChange(message.QueueId, 1, RecipientState.Failed, 2, default, "550 5.1.1 unknown")]);
            await spool.RecordAsync([new RecipientStateChange(message.QueueId, 2, RecipientState.Delivered, 1, default, "250 Ok")]);
        }

        Assert.Empty(SpoolReader.ReadQueue(directory.Path));
        Assert.Single(SpoolReader.ReadMessages(directory.Path));
    }

    [Fact]
    public async Task State_changes_and_messages_share_fsyncs()
    {
        using var directory = new TempDirectory();
        using var spool = new Spool(directory.Path, NullLogger<Spool>.Instance);
        PendingMessage[] messages = Enumerable.Range(0, 100).Select(i => NewMessage("a@a.example", [$"r{i}@b.example"], "x\r\n")).ToArray();
        foreach (PendingMessage message in messages[..50])
        {
            await spool.CommitAsync(message);
        }

        // States are recorded for committed messages only (the delivery side hears of a message
        // once it is durable): those of the first half ride with the second half's commits.
        long batchesBefore = spool.CommittedBatches;
        var work = new List<Task>();
        for (int i = 0; i < 50; i++)
        {
            work.Add(spool.CommitAsync(messages[50 + i]).AsTask());
            work.Add(spool.RecordAsync([new RecipientStateChange(messages[i].QueueId, 0, RecipientState.Delivered, 1, default, null)]));
        }

        await Task.WhenAll(work);

        Assert.True(spool.CommittedBatches - batchesBefore < 100, $"{spool.CommittedBatches - batchesBefore} fsyncs for 100 writes");
        Assert.Equal(messages[50..].Select(m => m.QueueId.Value).Order(), SpoolReader.ReadQueue(directory.Path).Select(r => r.QueueId.Value).Order());
    }

    [Fact]
    public async Task Committed_messages_are_announced_with_where_they_lie_and_read_back_from_there()
    {
        using var directory = new TempDirectory();
        using var spool = new Spool(directory.Path, NullLogger<Spool>.Instance);
        var announced = new List<QueueEntry>();
        spool.Committed += announced.Add;
        PendingMessage first = NewMessage("a@a.example", ["x@b.example", "y@b.example"], "first\r\n");
        PendingMessage second = NewMessage("c@a.example", ["z@b.example"], "second\r\n");

        await spool.CommitAsync(first);
        await spool.CommitAsync(second);

        Assert.Equal([first.QueueId, second.QueueId], announced.Select(e => e.QueueId));
        Assert.Equal(["x@b.example", "y@b.example"], announced[0].Recipients.Select(r => r.Address));
        Assert.All(announced[0].Recipients, r => Assert.Equal(RecipientState.Pending, r.State));
        SpooledMessage read = SpoolReader.ReadMessageAt(directory.Path, announced[1].Segment, announced[1].Offset);
        Assert.Equal(second.QueueId, read.QueueId);
        Assert.Equal("second\r\n", Encoding.ASCII.GetString(read.Body));
    }

    [Fact]
    public async Task A_restart_recovers_only_unfinished_messages_and_deletes_body_files_nothing_owns()
    {
        using var directory = new TempDirectory();
        PendingMessage done = NewMessage("a@a.example", ["x@b.example"], "done\r\n");
        PendingMessage half = NewMessage("a@a.example", ["x@b.example", "y@b.example"], "half\r\n");
        using (var spool = new Spool(directory.Path, NullLogger<Spool>.Instance))
        {
            await spool.CommitAsync(done);
            await spool.CommitAsync(half);
            await spool.RecordAsync([
                new RecipientStateChange(done.QueueId, 0, RecipientState.Delivered, 1, DateTimeOffset.UtcNow, "250 ok"),
                new RecipientStateChange(half.QueueId, 1, RecipientState.Deferred, 1, DateTimeOffset.UtcNow.AddMinutes(1), "451 later"),
            ]);
        }

        // A body spilled by a session that crashed before its commit.
        string orphan = Path.Combine(directory.Path, "data", QueueId.Next().ToString());
        await File.WriteAllTextAsync(orphan, "never committed");

        using var restarted = new Spool(directory.Path, NullLogger<Spool>.Instance);
        QueueEntry entry = Assert.Single(await restarted.Recovered);
        Assert.Equal(half.QueueId, entry.QueueId);
        Assert.Equal([RecipientState.Pending, RecipientState.Deferred], entry.Recipients.Select(r => r.State));
        Assert.Equal(1, entry.Recipients[1].Attempts);
        Assert.Equal("451 later", entry.Recipients[1].LastResponse);
        Assert.False(File.Exists(orphan));
    }

    [Fact]
    public async Task Segments_are_deleted_oldest_first_once_nothing_in_them_or_before_them_is_live()
    {
        using var directory = new TempDirectory();
        using var spool = new Spool(directory.Path, NullLogger<Spool>.Instance, segmentRolloverLength: 1);
        var entries = new List<QueueEntry>();
        spool.Committed += entries.Add;
        PendingMessage big = NewMessage("a@a.example", ["x@b.example"], new string('b', 200 * 1024));
        spool.Spill(big);
        foreach (PendingMessage message in new[] { NewMessage("a@a.example", ["x@b.example"], "one\r\n"), big, NewMessage("a@a.example", ["x@b.example"], "three\r\n") })
        {
            // One commit per segment: every batch rolls over.
            await spool.CommitAsync(message);
        }

        // Segments 1-3 hold a message each; 4 is the head and 5 the next one, prepared ahead.
        Assert.Equal(5, spool.SegmentCount);
        spool.Retire(entries[1]);
        Assert.Equal(5, spool.SegmentCount);
        Assert.False(File.Exists(SpoolFormat.DataPath(directory.Path, big.QueueId)));

        spool.Retire(entries[0]);
        Assert.Equal(3, spool.SegmentCount);
        spool.Retire(entries[2]);
        Assert.Equal(2, spool.SegmentCount);
        Assert.Equal([4L, 5L], SpoolFormat.ListSegments(directory.Path, SpoolFileSystem.Instance));
        Assert.Empty(SpoolReader.ReadMessages(directory.Path));
    }

    [Fact]
    public async Task Compaction_moves_a_long_deferred_message_forward_with_its_states_and_frees_the_old_segments()
    {
        using var directory = new TempDirectory();
        PendingMessage deferred = NewMessage("a@a.example", ["x@b.example", "y@b.example"], "waits for days\r\n");
        using (var spool = new Spool(directory.Path, NullLogger<Spool>.Instance, segmentRolloverLength: 1))
        {
            var entries = new List<QueueEntry>();
            spool.Committed += entries.Add;
            await spool.CommitAsync(deferred);
            await spool.RecordAsync([
                new RecipientStateChange(deferred.QueueId, 0, RecipientState.Delivered, 1, DateTimeOffset.UtcNow, "250 ok"),
                new RecipientStateChange(deferred.QueueId, 1, RecipientState.Deferred, 3, DateTimeOffset.UtcNow.AddHours(1), "451 later"),
            ]);
            foreach (int i in Enumerable.Range(0, 3))
            {
                await spool.CommitAsync(NewMessage("a@a.example", ["z@b.example"], $"done {i}\r\n"));
            }

            foreach (QueueEntry done in entries.Skip(1))
            {
                spool.Retire(done);
            }

            // The deferred message's segment pins every later one (6 is the head, 7 prepared ahead).
            Assert.Equal(7, spool.SegmentCount);
            Assert.Equal(0, await spool.CompactAsync(maxSegments: 7));

            Assert.Equal(1, await spool.CompactAsync(maxSegments: 2));

            // Left: the copy's segment, the head after it and the next one.
            Assert.True(spool.SegmentCount <= 3, $"{spool.SegmentCount} segments left");
            Assert.NotEqual(1, entries[0].Segment);
            Assert.Equal("waits for days\r\n", Encoding.ASCII.GetString(spool.ReadMessage(entries[0]).Body));
        }

        QueuedRecipient left = Assert.Single(SpoolReader.ReadQueue(directory.Path));
        Assert.Equal(deferred.QueueId, left.QueueId);
        Assert.Equal("y@b.example", left.Address);
        Assert.Equal(RecipientState.Deferred, left.State);
        Assert.Equal(3, left.Attempts);
        Assert.Equal("451 later", left.LastResponse);
        Assert.Single(SpoolReader.ReadMessages(directory.Path));
    }

    internal static PendingMessage NewMessage(string from, string[] recipients, string body)
    {
        var message = new PendingMessage
        {
            QueueId = QueueId.Next(),
            ReceivedAt = DateTimeOffset.UtcNow,
            ClientAddress = "127.0.0.1",
            HeloName = "client.example",
            Protocol = MessageProtocol.Esmtp,
            MailFrom = from,
        };
        foreach (string recipient in recipients)
        {
            message.Recipients.Add(new SpoolRecipient(recipient, RecipientNotify.Default, null));
        }

        message.Body.Append(Encoding.ASCII.GetBytes(body));
        return message;
    }
}
