namespace FastSmtp.Queue;

/// <summary>Recipient state changes waiting for the spool's next group commit.</summary>
internal sealed class StateBatch
{
    private readonly TaskCompletionSource<CommitResult>? _completion;
    private readonly IRecordedCallback? _callback;

    /// <summary>A batch whose outcome is awaited as <see cref="Completion"/>.</summary>
    public StateBatch(IReadOnlyList<RecipientStateChange> changes, IReadOnlyList<QueueEntry>? relocate = null)
    {
        Changes = changes;
        Relocate = relocate;
        _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>A batch whose outcome goes to <paramref name="callback"/>: no task made for it.</summary>
    public StateBatch(IReadOnlyList<RecipientStateChange> changes, IRecordedCallback callback)
    {
        Changes = changes;
        _callback = callback;
    }

    public IReadOnlyList<RecipientStateChange> Changes { get; }

    /// <summary>Messages to copy, with their current recipient states, to the head of the log (compaction).</summary>
    public IReadOnlyList<QueueEntry>? Relocate { get; }

    /// <summary>The outcome of a batch made without a callback.</summary>
    public Task<CommitResult> Completion => _completion?.Task ?? throw new InvalidOperationException("this batch reports to its callback");

    public void Complete(CommitResult result)
    {
        if (_callback is not null)
        {
            _callback.Recorded(result);
        }
        else
        {
            _completion!.TrySetResult(result);
        }
    }
}
