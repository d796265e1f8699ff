namespace FastSmtp.Queue;

/// <summary>One recipient of a queued message and where its delivery stands.</summary>
public readonly record struct RecipientProgress(string Address, RecipientState State, int Attempts, DateTimeOffset NextAttempt, string? LastResponse)
{
    /// <summary>What the sender asked to be told about this recipient (RFC 3461 NOTIFY), kept so a pass need not read the envelope to know.</summary>
    public FastSmtp.Protocol.RecipientNotify Notify { get; init; }

    /// <summary>Delivered, failed or deleted: nothing more will be done for it.</summary>
    public bool IsFinished => Finished(State);

    public static bool Finished(RecipientState state) => state is RecipientState.Delivered or RecipientState.Failed or RecipientState.Deleted;

    /// <summary>Due for an attempt now or later (pending or deferred; not held).</summary>
    public bool IsWaiting => State is RecipientState.Pending or RecipientState.Deferred;
}
