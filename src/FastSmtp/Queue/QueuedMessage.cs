namespace FastSmtp.Queue;

/// <summary>A message with recipients still to deliver, as `queue list` shows it: its envelope and every recipient's state.</summary>
public sealed record QueuedMessage(
    QueueId QueueId,
    DateTimeOffset ReceivedAt,
    long Size,
    string Sender,
    IReadOnlyList<QueuedRecipient> Recipients);
