using FastSmtp.Queue;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastSmtp.Tests.Queue;

/// <summary>Recording state changes with a callback (the delivery path): told once, after the changes are durable and applied.</summary>
public class SpoolRecordCallbackTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task The_callback_hears_committed_once_the_change_is_applied_and_a_restart_replays_it()
    {
        using var directory = new TempDirectory();
        PendingMessage message = SpoolTests.NewMessage("a@a.example", ["one@b.example", "two@c.example"], "body\r\n");
        using (var spool = new Spool(directory.Path, NullLogger<Spool>.Instance))
        {
            QueueEntry? entry = null;
            spool.Committed += committed => entry = committed;
            Assert.Equal(CommitResult.Committed, await spool.CommitAsync(message));
            var callback = new Callback(() => entry!.Recipients[0].State);

            spool.Record([new RecipientStateChange(message.QueueId, 0, RecipientState.Delivered, 1, Now, "250 2.0.0 Ok")], callback);

            (CommitResult result, RecipientState seen) = await callback.Heard.Task.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(CommitResult.Committed, result);
            Assert.Equal(RecipientState.Delivered, seen);
            Assert.Equal(1, callback.Calls);
        }

        QueueEntry replayed = Assert.Single(SpoolReader.Replay(directory.Path));
        Assert.Equal([RecipientState.Delivered, RecipientState.Pending], replayed.Recipients.Select(r => r.State));
    }

    [Fact]
    public async Task A_spool_that_has_stopped_answers_the_callback_with_a_storage_error()
    {
        using var directory = new TempDirectory();
        var spool = new Spool(directory.Path, NullLogger<Spool>.Instance);
        await spool.Recovered;
        spool.Dispose();
        var callback = new Callback(() => RecipientState.Pending);

        spool.Record([new RecipientStateChange(QueueId.Next(), 0, RecipientState.Delivered, 1, Now, null)], callback);

        Assert.Equal(CommitResult.StorageError, (await callback.Heard.Task.WaitAsync(TimeSpan.FromSeconds(30))).Result);
    }

    private sealed class Callback(Func<RecipientState> state) : IRecordedCallback
    {
        public int Calls;

        public TaskCompletionSource<(CommitResult Result, RecipientState State)> Heard { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Recorded(CommitResult result)
        {
            Interlocked.Increment(ref Calls);
            Heard.TrySetResult((result, state()));
        }
    }
}
