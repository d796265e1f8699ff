using FastSmtp.Queue;

namespace FastSmtp.Benchmarks;

/// <summary>Accepts and forgets: measures the engine without the disk.</summary>
internal sealed class NullMessageStore : IMessageStore
{
    /// <summary>Nothing is ever queued: no client is slowed.</summary>
    public int Backlog => 0;

    /// <summary>Bodies stay in memory, whatever their size.</summary>
    public void Spill(PendingMessage message)
    {
    }

    private long _messages;

    public long Messages => Interlocked.Read(ref _messages);

    public ValueTask<CommitResult> CommitAsync(PendingMessage message)
    {
        Interlocked.Increment(ref _messages);
        return ValueTask.FromResult(CommitResult.Committed);
    }
}
