namespace FastSmtp.Queue;

/// <summary>An undelivered recipient as `queue list` shows it.</summary>
public sealed record QueuedRecipient(
    QueueId QueueId,
    int RecipientIndex,
    string Address,
    RecipientState State,
    int Attempts,
    DateTimeOffset NextAttempt,
    string? LastResponse);
