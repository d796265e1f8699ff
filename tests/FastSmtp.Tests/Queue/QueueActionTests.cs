using FastSmtp.Queue;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastSmtp.Tests.Queue;

/// <summary>`queue hold`, `release` and `delete` as the spool records them, and how they survive a restart.</summary>
public class QueueActionTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Hold_takes_only_waiting_recipients_and_release_makes_them_due_with_their_attempts_kept()
    {
        QueueEntry entry = Entry(
            (RecipientState.Delivered, 1),
            (RecipientState.Deferred, 3),
            (RecipientState.Pending, 0),
            (RecipientState.Failed, 2));

        List<RecipientStateChange> hold = entry.ChangesFor(QueueAction.Hold, Now);
        Assert.Equal([1, 2], hold.Select(c => c.RecipientIndex));
        Assert.All(hold, c => Assert.Equal(RecipientState.Held, c.State));
        hold.ForEach(entry.Apply);
        Assert.Contains(entry.Recipients, r => r.State == RecipientState.Held);
        Assert.False(entry.HasWaiting);
        Assert.False(entry.IsDone);
        Assert.Empty(entry.ChangesFor(QueueAction.Hold, Now));

        List<RecipientStateChange> release = entry.ChangesFor(QueueAction.Release, Now);
        Assert.Equal([1, 2], release.Select(c => c.RecipientIndex));
        release.ForEach(entry.Apply);
        Assert.Equal(RecipientState.Pending, entry.Recipients[1].State);
        Assert.Equal(3, entry.Recipients[1].Attempts);
        Assert.Equal(Now, entry.Recipients[1].NextAttempt);
        Assert.True(entry.HasWaiting);
        Assert.DoesNotContain(entry.Recipients, r => r.State == RecipientState.Held);
    }

    [Fact]
    public void Delete_finishes_every_unfinished_recipient_held_ones_included()
    {
        QueueEntry entry = Entry((RecipientState.Delivered, 1), (RecipientState.Held, 2), (RecipientState.Deferred, 1));

        List<RecipientStateChange> delete = entry.ChangesFor(QueueAction.Delete, Now);
        Assert.Equal([1, 2], delete.Select(c => c.RecipientIndex));
        delete.ForEach(entry.Apply);

        Assert.True(entry.IsDone);
        Assert.Equal([RecipientState.Delivered, RecipientState.Deleted, RecipientState.Deleted], entry.Recipients.Select(r => r.State));
        Assert.Empty(entry.ChangesFor(QueueAction.Release, Now));
    }

    [Theory]
    [InlineData(RecipientState.Held, RecipientState.Deferred, RecipientState.Held)]
    [InlineData(RecipientState.Held, RecipientState.Delivered, RecipientState.Delivered)]
    [InlineData(RecipientState.Held, RecipientState.Failed, RecipientState.Failed)]
    [InlineData(RecipientState.Held, RecipientState.Pending, RecipientState.Pending)]
    [InlineData(RecipientState.Deleted, RecipientState.Deferred, RecipientState.Deleted)]
    [InlineData(RecipientState.Deleted, RecipientState.Failed, RecipientState.Deleted)]
    [InlineData(RecipientState.Deleted, RecipientState.Pending, RecipientState.Deleted)]
    [InlineData(RecipientState.Deleted, RecipientState.Delivered, RecipientState.Delivered)]
    [InlineData(RecipientState.Deferred, RecipientState.Held, RecipientState.Held)]
    public void A_pass_that_was_under_way_cannot_undo_a_hold_or_a_deletion(RecipientState before, RecipientState recorded, RecipientState after)
    {
        QueueEntry entry = Entry((before, 1));

        entry.Apply(new RecipientStateChange(entry.QueueId, 0, recorded, 2, Now, "4.0.0 try later"));

        Assert.Equal(after, entry.Recipients[0].State);
    }

    [Fact]
    public async Task Hold_and_delete_are_in_the_log_a_restart_replays()
    {
        using var directory = new TempDirectory();
        PendingMessage held = SpoolTests.NewMessage("a@a.example", ["one@b.example", "two@c.example"], "held\r\n");
        PendingMessage deleted = SpoolTests.NewMessage("a@a.example", ["three@b.example"], "deleted\r\n");
        PendingMessage untouched = SpoolTests.NewMessage("a@a.example", ["four@d.example"], "untouched\r\n");
        using (var spool = new Spool(directory.Path, NullLogger<Spool>.Instance))
        {
            foreach (PendingMessage message in new[] { held, deleted, untouched })
            {
                Assert.Equal(CommitResult.Committed, await spool.CommitAsync(message));
            }

            (CommitResult holding, List<QueueEntry> onHold) = await spool.ApplyAsync(QueueAction.Hold, e => e.QueueId == held.QueueId);
            Assert.Equal(CommitResult.Committed, holding);
            Assert.Equal(held.QueueId, Assert.Single(onHold).QueueId);

            // By domain: only the messages with an unfinished recipient there.
            (CommitResult deleting, List<QueueEntry> gone) = await spool.ApplyAsync(QueueAction.Delete, e => e.Recipients.Any(r => r.Address.EndsWith("@b.example", StringComparison.Ordinal)));
            Assert.Equal(CommitResult.Committed, deleting);
            Assert.Equal([held.QueueId.Value, deleted.QueueId.Value], gone.Select(e => e.QueueId.Value).Order());
        }

        using (var restarted = new Spool(directory.Path, NullLogger<Spool>.Instance))
        {
            IReadOnlyList<QueueEntry> live = await restarted.Recovered;
            Assert.Equal([untouched.QueueId], live.Select(e => e.QueueId));
        }

        // A hold alone survives too, and a release after the restart is replayed as well.
        PendingMessage second = SpoolTests.NewMessage("a@a.example", ["five@e.example"], "second\r\n");
        using (var spool = new Spool(directory.Path, NullLogger<Spool>.Instance))
        {
            await spool.CommitAsync(second);
            await spool.ApplyAsync(QueueAction.Hold, e => e.QueueId == second.QueueId);
        }

        using (var restarted = new Spool(directory.Path, NullLogger<Spool>.Instance))
        {
            QueueEntry entry = (await restarted.Recovered).Single(e => e.QueueId == second.QueueId);
            Assert.Contains(entry.Recipients, r => r.State == RecipientState.Held);
            (_, List<QueueEntry> released) = await restarted.ApplyAsync(QueueAction.Release, e => e.QueueId == second.QueueId);
            Assert.Single(released);
        }

        QueueEntry replayed = SpoolReader.Replay(directory.Path).Single(e => e.QueueId == second.QueueId);
        Assert.Equal(RecipientState.Pending, replayed.Recipients[0].State);
        Assert.True(replayed.HasWaiting);
    }

    [Fact]
    public async Task Compaction_keeps_a_hold_and_a_released_recipient_s_attempts()
    {
        using var directory = new TempDirectory();
        PendingMessage held = SpoolTests.NewMessage("a@a.example", ["one@b.example"], "held\r\n");
        PendingMessage released = SpoolTests.NewMessage("a@a.example", ["two@b.example"], "released\r\n");
        using (var spool = new Spool(directory.Path, NullLogger<Spool>.Instance, segmentRolloverLength: 1))
        {
            var entries = new List<QueueEntry>();
            spool.Committed += entries.Add;
            await spool.CommitAsync(held);
            await spool.CommitAsync(released);
            await spool.RecordAsync([new RecipientStateChange(released.QueueId, 0, RecipientState.Deferred, 4, Now, "4.0.0 later")]);
            await spool.ApplyAsync(QueueAction.Hold, _ => true);
            await spool.ApplyAsync(QueueAction.Release, e => e.QueueId == released.QueueId);
            foreach (int i in Enumerable.Range(0, 3))
            {
                await spool.CommitAsync(SpoolTests.NewMessage("a@a.example", ["z@b.example"], $"done {i}\r\n"));
            }

            foreach (QueueEntry done in entries.Skip(2))
            {
                spool.Retire(done);
            }

            // Each message its own segment (a rollover after every batch): the two are moved forward.
            int moved = 0;
            for (int round = 0; round < 2; round++)
            {
                moved += await spool.CompactAsync(maxSegments: 2);
            }

            Assert.Equal(2, moved);
            Assert.All(entries.Take(2), e => Assert.True(e.Segment > 2, $"still in segment {e.Segment}"));
        }

        List<QueueEntry> replay = SpoolReader.Replay(directory.Path);
        Assert.Equal(RecipientState.Held, replay.Single(e => e.QueueId == held.QueueId).Recipients[0].State);
        RecipientProgress again = replay.Single(e => e.QueueId == released.QueueId).Recipients[0];
        Assert.Equal(RecipientState.Pending, again.State);
        Assert.Equal(4, again.Attempts);
    }

    private static QueueEntry Entry(params (RecipientState State, int Attempts)[] recipients) =>
        new(QueueId.Next(), Now.AddHours(-1), 1, 0, false,
            [.. recipients.Select((r, i) => new RecipientProgress($"r{i}@example.net", r.State, r.Attempts, Now.AddMinutes(5), null))]);
}
