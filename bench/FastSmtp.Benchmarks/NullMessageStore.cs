using FastSmtp.Queue;

namespace FastSmtp.Benchmarks;

/// <summary>Accepts and forgets: measures the engine without the disk.</summary>
internal sealed class NullMessageStore : IMessageStore
{
    public string? DataDirectory => null;

    public long Messages { get; private set; }

    public ValueTask<CommitResult> CommitAsync(PendingMessage message)
    {
        Messages++;
        return ValueTask.FromResult(CommitResult.Committed);
    }
}
