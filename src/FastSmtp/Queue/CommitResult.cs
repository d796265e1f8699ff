namespace FastSmtp.Queue;

/// <summary>What became of a message handed to the store.</summary>
public enum CommitResult : byte
{
    /// <summary>On disk and fsync'd: the 250 may be sent.</summary>
    Committed,

    /// <summary>The disk is full: 452, the client keeps the message.</summary>
    InsufficientStorage,

    /// <summary>Any other I/O failure: 451, the client keeps the message.</summary>
    StorageError,
}
