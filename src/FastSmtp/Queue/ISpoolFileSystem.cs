using Microsoft.Win32.SafeHandles;

namespace FastSmtp.Queue;

/// <summary>
/// Every file operation of the spool (log segments, body files, their folders). The spool never
/// touches the file system any other way, so a test can make any one call fail, as SQLite's
/// I/O-error tests do, and check that nothing acknowledged is lost.
/// Failures are <see cref="IOException"/>s whose HResult carries the errno (ENOSPC, EIO, EMFILE, ...).
/// </summary>
public interface ISpoolFileSystem
{
    SafeFileHandle Open(string path, FileMode mode, FileAccess access, FileShare share);

    /// <summary>Reads up to <paramref name="buffer"/>'s length at <paramref name="offset"/>; fewer only at the end of the file.</summary>
    int Read(SafeFileHandle file, Span<byte> buffer, long offset);

    void Write(SafeFileHandle file, ReadOnlySpan<byte> data, long offset);

    /// <summary>One gathered write (pwritev) of the buffers, in order, from <paramref name="offset"/>.</summary>
    void Write(SafeFileHandle file, IReadOnlyList<ReadOnlyMemory<byte>> data, long offset);

    long GetLength(SafeFileHandle file);

    void SetLength(SafeFileHandle file, long length);

    /// <summary>fsync: the file's content is on the disk when it returns.</summary>
    void Flush(SafeFileHandle file);

    /// <summary>fsync of a folder: names created or removed in it are on the disk when it returns.</summary>
    void FlushDirectory(string path);

    void Delete(string path);

    void CreateDirectory(string path);

    /// <summary>The names (full paths) of the folder's files matching <paramref name="pattern"/>.</summary>
    string[] ListFiles(string directory, string pattern);

    /// <summary>Bytes an unprivileged writer may still use on the folder's file system.</summary>
    long AvailableBytes(string directory);
}
