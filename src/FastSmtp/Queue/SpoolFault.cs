namespace FastSmtp.Queue;

/// <summary>Why the spool cannot commit now, and what its clients are told meanwhile.</summary>
public sealed record SpoolFault(CommitResult Result, string Reason)
{
    /// <summary>What /healthz says: "spool full" (ENOSPC, EDQUOT) or "spool error: " and the error.</summary>
    public string Summary => Result == CommitResult.InsufficientStorage ? "spool full" : "spool error: " + Reason;

    /// <summary>ENOSPC and quota errors: the client is told 452 (RFC 5321 4.5.3.1.10), not 451.</summary>
    private static bool IsDiskFull(Exception exception) =>
        exception is IOException && (exception.HResult & 0xFFFF) is 28 /* ENOSPC */ or 122 /* EDQUOT */ or 112 /* ERROR_DISK_FULL */;

    /// <summary>What a client is told when <paramref name="exception"/> kept its message off the disk.</summary>
    public static CommitResult ResultOf(Exception exception) =>
        IsDiskFull(exception) ? CommitResult.InsufficientStorage : CommitResult.StorageError;

    public static SpoolFault Of(Exception exception) => new(ResultOf(exception), exception.Message);
}
