namespace FastSmtp.Queue;

/// <summary>Recipient state changes waiting for the spool's next group commit.</summary>
internal sealed class StateBatch(IReadOnlyList<RecipientStateChange> changes)
{
    public IReadOnlyList<RecipientStateChange> Changes { get; } = changes;

    public TaskCompletionSource<CommitResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
