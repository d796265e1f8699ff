namespace FastSmtp.Queue;

/// <summary>Takes accepted messages. The spool is the real one; benchmarks plug in a null store.</summary>
public interface IMessageStore
{
    /// <summary>
    /// Moves a body too large to keep in memory into a file of the store, where the rest of it is
    /// written as it arrives; throws an <see cref="IOException"/> when it cannot. A store without
    /// files keeps the body in memory.
    /// </summary>
    void Spill(PendingMessage message);

    /// <summary>
    /// Messages taken and not yet finished (delivered, bounced or deleted): the queue the
    /// delivery side has to work off. Sessions slow their clients while it is past a bound.
    /// </summary>
    int Backlog { get; }

    /// <summary>Makes the message durable; completes only when it is (or failed to be).</summary>
    ValueTask<CommitResult> CommitAsync(PendingMessage message);
}
