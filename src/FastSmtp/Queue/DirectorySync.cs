using System.Runtime.InteropServices;

namespace FastSmtp.Queue;

/// <summary>
/// fsync of a folder, so a newly created file's name is as durable as its content (POSIX
/// promises nothing about a new directory entry until its folder is synced). .NET has no API
/// for it: File.OpenHandle refuses folders. A failure carries the errno as its HResult, as .NET's
/// own I/O exceptions do on Unix.
/// </summary>
internal static partial class DirectorySync
{
    private const int ReadOnlyDirectory = 0x10000; // O_RDONLY | O_DIRECTORY on Linux

    public static void Flush(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // elsewhere metadata is journaled with the file, or cannot be synced this way
        }

        int fd = Open(directory, ReadOnlyDirectory);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new IOException($"cannot open {directory} to sync it (errno {errno})", errno);
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                throw new IOException($"fsync of {directory} failed (errno {errno})", errno);
            }
        }
        finally
        {
            Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
