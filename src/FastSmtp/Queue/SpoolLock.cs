namespace FastSmtp.Queue;

/// <summary>
/// One writer per spool: the server holds an exclusive lock on <c>&lt;spool&gt;/lock</c> while it
/// runs (an advisory file lock, which the kernel drops when the process dies, even by kill -9),
/// and a queue command that changes a stopped server's spool takes it too, so the two can never
/// append to the same log at once.
/// </summary>
public sealed class SpoolLock : IDisposable
{
    public const string FileName = "lock";

    private readonly FileStream _file;

    private SpoolLock(FileStream file) => _file = file;

    /// <summary>The lock, or null when another process holds it.</summary>
    public static SpoolLock? TryAcquire(string spool)
    {
        Directory.CreateDirectory(spool);
        try
        {
            // FileShare.None is an exclusive, non-blocking flock on Unix.
            return new SpoolLock(new FileStream(Path.Combine(spool, FileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException) when (File.Exists(Path.Combine(spool, FileName)))
        {
            return null;
        }
    }

    public void Dispose() => _file.Dispose();
}
