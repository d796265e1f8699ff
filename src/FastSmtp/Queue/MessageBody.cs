using System.Buffers;
using Microsoft.Win32.SafeHandles;

namespace FastSmtp.Queue;

/// <summary>
/// A message body as it arrives: pooled chunks in memory up to <see cref="InlineLimit"/>, then a
/// file in the spool's data folder, so memory per session stays bounded whatever the size.
/// Reused from message to message by its session, which keeps its first chunk from one message
/// to the next: with hundreds of sessions at once, the shared pool cannot hold a chunk for each,
/// and a rental it cannot serve is a new 16 KB array per message.
/// </summary>
public sealed class MessageBody : IDisposable
{
    /// <summary>PERF: a 2 KB message (the benchmarks' size) and its Received header fit one 16 KB rental.</summary>
    public const int ChunkSize = 16 * 1024;

    /// <summary>Bodies up to this size travel inline in the spool record (one fsync for a batch).</summary>
    public const int InlineLimit = 128 * 1024;

    private readonly List<byte[]> _chunks = [];
    private byte[]? _spare;
    private int _lastChunkUsed;
    private SafeFileHandle? _file;
    private ISpoolFileSystem? _files;
    private string? _filePath;
    private long _fileLength;

    /// <summary>Octets appended so far.</summary>
    public long Length { get; private set; }

    /// <summary>The file the body was spilled to, or null while it is in memory.</summary>
    public string? FilePath => _filePath;

    /// <summary>The in-memory chunks (all of the body, or the unwritten tail of a spilled one).</summary>
    public int ChunkCount => _chunks.Count;

    public ReadOnlyMemory<byte> GetChunk(int index) =>
        _chunks[index].AsMemory(0, index == _chunks.Count - 1 ? _lastChunkUsed : ChunkSize);

    public void Append(ReadOnlySpan<byte> data)
    {
        Length += data.Length;
        while (!data.IsEmpty)
        {
            if (_chunks.Count == 0 || _lastChunkUsed == ChunkSize)
            {
                if (_file is not null && _chunks.Count > 0)
                {
                    // Spilled: the full chunk goes to the file and is reused.
                    WriteChunksToFile();
                }
                else
                {
                    _chunks.Add(_spare ?? ArrayPool<byte>.Shared.Rent(ChunkSize));
                    _spare = null;
                    _lastChunkUsed = 0;
                }
            }

            int n = Math.Min(ChunkSize - _lastChunkUsed, data.Length);
            data[..n].CopyTo(_chunks[^1].AsSpan(_lastChunkUsed));
            _lastChunkUsed += n;
            data = data[n..];
        }
    }

    /// <summary>Moves the body to a file once it outgrows memory; the caller names the file.</summary>
    public bool NeedsSpill => _file is null && Length > InlineLimit;

    /// <summary>Moves the body into <paramref name="path"/>, created through the spool's file system; throws when it cannot.</summary>
    public void SpillTo(ISpoolFileSystem files, string path)
    {
        _file = files.Open(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        _files = files;
        _filePath = path;
        _fileLength = 0;
        WriteChunksToFile();
    }

    /// <summary>Writes what is still in memory to the spill file and makes it durable.</summary>
    public void FlushToDisk()
    {
        if (_file is null)
        {
            return;
        }

        WriteChunksToFile();
        _files!.Flush(_file);
    }

    /// <summary>Forgets the body, keeping one chunk for the next. A spill file that was not committed is deleted.</summary>
    public void Reset(bool keepFile = false)
    {
        foreach (byte[] chunk in _chunks)
        {
            if (_spare is null)
            {
                _spare = chunk;
            }
            else
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }
        }

        _chunks.Clear();
        _lastChunkUsed = 0;
        Length = 0;
        if (_file is not null)
        {
            _file.Dispose();
            _file = null;
            if (!keepFile && _filePath is not null)
            {
                try
                {
                    _files!.Delete(_filePath);
                }
                catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
                {
                    // Left for the spool's next start, which deletes body files no message owns.
                }
            }
        }

        _files = null;
        _filePath = null;
        _fileLength = 0;
    }

    /// <summary>Copies the whole in-memory body out; for tests and small callers, never the hot path.</summary>
    public byte[] ToArray()
    {
        if (_file is not null)
        {
            throw new InvalidOperationException("the body was spilled to " + _filePath);
        }

        byte[] result = new byte[Length];
        int offset = 0;
        for (int i = 0; i < _chunks.Count; i++)
        {
            ReadOnlyMemory<byte> chunk = GetChunk(i);
            chunk.Span.CopyTo(result.AsSpan(offset));
            offset += chunk.Length;
        }

        return result;
    }

    /// <summary>Returns the chunk kept for the next message (the session has ended).</summary>
    public void ReleaseSpare()
    {
        if (_spare is not null)
        {
            ArrayPool<byte>.Shared.Return(_spare);
            _spare = null;
        }
    }

    public void Dispose()
    {
        Reset();
        ReleaseSpare();
    }

    private void WriteChunksToFile()
    {
        for (int i = 0; i < _chunks.Count; i++)
        {
            ReadOnlyMemory<byte> chunk = GetChunk(i);
            _files!.Write(_file!, chunk.Span, _fileLength);
            _fileLength += chunk.Length;
        }

        // Keep one chunk as the write buffer for what comes next.
        for (int i = 1; i < _chunks.Count; i++)
        {
            ArrayPool<byte>.Shared.Return(_chunks[i]);
        }

        if (_chunks.Count > 1)
        {
            _chunks.RemoveRange(1, _chunks.Count - 1);
        }

        _lastChunkUsed = 0;
    }
}
