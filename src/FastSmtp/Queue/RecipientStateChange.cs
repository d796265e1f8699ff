namespace FastSmtp.Queue;

/// <summary>
/// A change of one recipient's state, appended to the spool log after the message's own
/// record; replaying the log in order gives every recipient's current state, so a message with
/// 100 recipients of which 3 failed retries only those 3.
/// </summary>
public readonly record struct RecipientStateChange(
    QueueId QueueId,
    int RecipientIndex,
    RecipientState State,
    int Attempts,
    DateTimeOffset NextAttempt,
    string? LastResponse);
