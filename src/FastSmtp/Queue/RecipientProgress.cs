namespace FastSmtp.Queue;

/// <summary>One recipient of a queued message and where its delivery stands.</summary>
public readonly record struct RecipientProgress(string Address, RecipientState State, int Attempts, DateTimeOffset NextAttempt, string? LastResponse);
