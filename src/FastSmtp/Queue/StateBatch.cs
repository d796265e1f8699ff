namespace FastSmtp.Queue;

/// <summary>Recipient state changes waiting for the spool's next group commit.</summary>
internal sealed class StateBatch(IReadOnlyList<RecipientStateChange> changes, IReadOnlyList<QueueEntry>? relocate = null)
{
    public IReadOnlyList<RecipientStateChange> Changes { get; } = changes;

    /// <summary>Messages to copy, with their current recipient states, to the head of the log (compaction).</summary>
    public IReadOnlyList<QueueEntry>? Relocate { get; } = relocate;

    public TaskCompletionSource<CommitResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
