using System.Buffers;
using Microsoft.Win32.SafeHandles;

namespace FastSmtp.Queue;

/// <summary>The real file system behind <see cref="ISpoolFileSystem"/>: thin calls into .NET's file APIs.</summary>
public sealed class SpoolFileSystem : ISpoolFileSystem
{
    public static readonly SpoolFileSystem Instance = new();

    /// <summary>Batches up to this size are copied into one buffer for their write.</summary>
    private const int CopyLimit = 1024 * 1024;

    private SpoolFileSystem()
    {
    }

    public SafeFileHandle Open(string path, FileMode mode, FileAccess access, FileShare share) => File.OpenHandle(path, mode, access, share);

    public int Read(SafeFileHandle file, Span<byte> buffer, long offset)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int read = RandomAccess.Read(file, buffer[total..], offset + total);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }

    public void Write(SafeFileHandle file, ReadOnlySpan<byte> data, long offset) => RandomAccess.Write(file, data, offset);

    /// <summary>
    /// A group commit's pieces at once. RandomAccess's gather write makes two arrays per call (the
    /// pins and the iovecs); a batch that fits <see cref="CopyLimit"/> is copied into a pooled
    /// buffer and written with one plain write instead, which makes none.
    /// </summary>
    public void Write(SafeFileHandle file, IReadOnlyList<ReadOnlyMemory<byte>> data, long offset)
    {
        long total = 0;
        for (int i = 0; i < data.Count; i++)
        {
            total += data[i].Length;
        }

        if (total > CopyLimit)
        {
            RandomAccess.Write(file, data, offset);
            return;
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)total);
        try
        {
            int at = 0;
            for (int i = 0; i < data.Count; i++)
            {
                data[i].Span.CopyTo(buffer.AsSpan(at));
                at += data[i].Length;
            }

            RandomAccess.Write(file, buffer.AsSpan(0, at), offset);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public long GetLength(SafeFileHandle file) => RandomAccess.GetLength(file);

    public void SetLength(SafeFileHandle file, long length) => RandomAccess.SetLength(file, length);

    public void Flush(SafeFileHandle file) => RandomAccess.FlushToDisk(file);

    public void FlushDirectory(string path) => DirectorySync.Flush(path);

    public void Delete(string path) => File.Delete(path);

    public void CreateDirectory(string path) => Directory.CreateDirectory(path);

    public string[] ListFiles(string directory, string pattern) =>
        Directory.Exists(directory) ? Directory.GetFiles(directory, pattern) : [];

    public long AvailableBytes(string directory) => new DriveInfo(directory).AvailableFreeSpace;
}
