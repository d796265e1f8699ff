namespace FastSmtp.Queue;

/// <summary>Takes accepted messages. The spool is the real one; benchmarks plug in a null store.</summary>
public interface IMessageStore
{
    /// <summary>Where a body too large to keep in memory is written while it is received.</summary>
    string? DataDirectory { get; }

    /// <summary>Makes the message durable; completes only when it is (or failed to be).</summary>
    ValueTask<CommitResult> CommitAsync(PendingMessage message);
}
