using FastSmtp.Queue;
using Microsoft.Win32.SafeHandles;

namespace FastSmtp.Tests.Queue;

/// <summary>
/// The real file system, with every call counted and the one numbered <see cref="FailAt"/> made
/// to fail with <see cref="Errno"/> (and, when <see cref="Persistent"/>, every call after it
/// until <see cref="Clear"/>), as SQLite's I/O-error tests fail each call of a workload in turn.
/// A failing write first writes half of its bytes, as a write cut short by a full disk does; a
/// failing fsync leaves what was written in the page cache, where a later read still finds it.
/// </summary>
internal sealed class FaultyFileSystem : ISpoolFileSystem
{
    private readonly ISpoolFileSystem _real = SpoolFileSystem.Instance;
    private int _calls;
    private volatile bool _cleared;

    public const int Enospc = 28;
    public const int Eio = 5;
    public const int Emfile = 24;

    public int FailAt { get; set; } = int.MaxValue;

    public bool Persistent { get; set; }

    public int Errno { get; set; } = Eio;

    public int Calls => Volatile.Read(ref _calls);

    /// <summary>How many calls were made to fail.</summary>
    public int Failures { get; private set; }

    /// <summary>What the call numbered <see cref="FailAt"/> was.</summary>
    public string? FailedCall { get; private set; }

    /// <summary>The fault is over: later calls go through.</summary>
    public void Clear() => _cleared = true;

    public SafeFileHandle Open(string path, FileMode mode, FileAccess access, FileShare share)
    {
        Step("open " + Path.GetFileName(path));
        return _real.Open(path, mode, access, share);
    }

    public int Read(SafeFileHandle file, Span<byte> buffer, long offset)
    {
        Step("read");
        return _real.Read(file, buffer, offset);
    }

    public void Write(SafeFileHandle file, ReadOnlySpan<byte> data, long offset)
    {
        if (ShouldFail("write"))
        {
            _real.Write(file, data[..(data.Length / 2)], offset);
            throw Fault();
        }

        _real.Write(file, data, offset);
    }

    public void Write(SafeFileHandle file, IReadOnlyList<ReadOnlyMemory<byte>> data, long offset)
    {
        if (ShouldFail("gathered write"))
        {
            byte[] all = data.SelectMany(buffer => buffer.ToArray()).ToArray();
            _real.Write(file, all.AsSpan(0, all.Length / 2), offset);
            throw Fault();
        }

        _real.Write(file, data, offset);
    }

    public long GetLength(SafeFileHandle file)
    {
        Step("length");
        return _real.GetLength(file);
    }

    public void SetLength(SafeFileHandle file, long length)
    {
        Step("set length");
        _real.SetLength(file, length);
    }

    public void Flush(SafeFileHandle file)
    {
        Step("fsync");
        _real.Flush(file);
    }

    public void FlushDirectory(string path)
    {
        Step("fsync folder " + Path.GetFileName(path));
        _real.FlushDirectory(path);
    }

    public void Delete(string path)
    {
        Step("delete " + Path.GetFileName(path));
        _real.Delete(path);
    }

    public void CreateDirectory(string path)
    {
        Step("create folder " + Path.GetFileName(path));
        _real.CreateDirectory(path);
    }

    public string[] ListFiles(string directory, string pattern)
    {
        Step("list " + Path.GetFileName(directory));
        return _real.ListFiles(directory, pattern);
    }

    public long AvailableBytes(string directory)
    {
        Step("statvfs");
        return _real.AvailableBytes(directory);
    }

    private void Step(string call)
    {
        if (ShouldFail(call))
        {
            throw Fault();
        }
    }

    private bool ShouldFail(string call)
    {
        int number = Interlocked.Increment(ref _calls);
        if (number == FailAt || (Persistent && number > FailAt && !_cleared))
        {
            Failures++;
            FailedCall ??= call;
            return true;
        }

        return false;
    }

    private IOException Fault() => new($"injected errno {Errno}", Errno);
}
