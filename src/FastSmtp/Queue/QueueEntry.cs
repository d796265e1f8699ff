namespace FastSmtp.Queue;

/// <summary>
/// A message still in the queue as the delivery side tracks it: where its record lies in the
/// log (its body is read from there for each attempt, never kept in memory between attempts),
/// and each recipient's progress. Built by replaying the log at start-up and by the spool when
/// it commits a new message.
/// </summary>
public sealed class QueueEntry(QueueId queueId, DateTimeOffset receivedAt, long segment, long offset, bool bodyInFile, RecipientProgress[] recipients)
{
    public QueueId QueueId { get; } = queueId;

    public DateTimeOffset ReceivedAt { get; } = receivedAt;

    /// <summary>Where the message's record lies; compaction moves it to a newer segment.</summary>
    public SpoolLocation Location { get; set; } = new(segment, offset);

    public long Segment => Location.Segment;

    public long Offset => Location.Offset;

    /// <summary>The body lives in spool/data (it was too large to keep inline).</summary>
    public bool BodyInFile { get; } = bodyInFile;

    public RecipientProgress[] Recipients { get; } = recipients;

    /// <summary>Every recipient delivered, failed or deleted: the message may leave the queue.</summary>
    public bool IsDone => Recipients.All(r => r.IsFinished);

    /// <summary>Some recipient waits for an attempt (pending or deferred, not held).</summary>
    public bool HasWaiting => Recipients.Any(r => r.IsWaiting);

    /// <summary>
    /// Applies a committed change, in log order (so replay after a restart comes to the same
    /// states). An operator's hold or delete wins over the outcome of a pass that was already
    /// under way: a held recipient leaves hold only by release (Pending) or by what really
    /// happened to it (delivered, failed); a deleted one only by a delivery that happened.
    /// </summary>
    public void Apply(RecipientStateChange change)
    {
        if ((uint)change.RecipientIndex < (uint)Recipients.Length && Allows(Recipients[change.RecipientIndex].State, change.State))
        {
            Recipients[change.RecipientIndex] = Recipients[change.RecipientIndex] with
            {
                State = change.State,
                Attempts = change.Attempts,
                NextAttempt = change.NextAttempt,
                LastResponse = change.LastResponse,
            };
        }
    }

    /// <summary>
    /// What an operator asks of a message's unfinished recipients (`queue hold`, `release`,
    /// `delete`), as the changes to record; empty when it changes nothing.
    /// </summary>
    public List<RecipientStateChange> ChangesFor(QueueAction action, DateTimeOffset now)
    {
        var changes = new List<RecipientStateChange>();
        for (int i = 0; i < Recipients.Length; i++)
        {
            RecipientProgress recipient = Recipients[i];
            RecipientState? next = action switch
            {
                QueueAction.Hold when recipient.IsWaiting => RecipientState.Held,
                QueueAction.Release when recipient.State == RecipientState.Held => RecipientState.Pending,
                QueueAction.Delete when !recipient.IsFinished => RecipientState.Deleted,
                _ => null,
            };
            if (next is { } state)
            {
                // A released recipient is due at once; a held one keeps its time for the record.
                DateTimeOffset at = state == RecipientState.Pending ? now : recipient.NextAttempt;
                changes.Add(new RecipientStateChange(QueueId, i, state, recipient.Attempts, at, recipient.LastResponse));
            }
        }

        return changes;
    }

    private static bool Allows(RecipientState from, RecipientState to) => from switch
    {
        RecipientState.Held => to is RecipientState.Pending or RecipientState.Delivered or RecipientState.Failed or RecipientState.Deleted or RecipientState.Held,
        RecipientState.Deleted => to is RecipientState.Delivered,
        _ => true,
    };
}
