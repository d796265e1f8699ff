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

    /// <summary>Every recipient delivered or failed: the message may leave the queue.</summary>
    public bool IsDone => Recipients.All(r => r.State is RecipientState.Delivered or RecipientState.Failed);

    public void Apply(RecipientStateChange change)
    {
        if ((uint)change.RecipientIndex < (uint)Recipients.Length)
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
}
