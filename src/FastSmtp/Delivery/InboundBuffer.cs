using System.Buffers;

namespace FastSmtp.Delivery;

/// <summary>
/// What an outbound connection has received and not yet parsed, in one pooled array: a reply is
/// parsed where it lies and the stream reads straight into the free space, so reading a reply
/// allocates nothing (a pipe over the stream costs a state machine per read that waits).
/// </summary>
internal sealed class InboundBuffer : IDisposable
{
    /// <summary>Room for the longest reply the parser accepts (100 lines of 512 octets).</summary>
    public const int MaxSize = 64 * 1024;

    private const int InitialSize = 4096;

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(InitialSize);
    private int _start;
    private int _end;

    public ReadOnlySequence<byte> Unread => new(_buffer, _start, _end - _start);

    /// <summary>The unread bytes fill the largest buffer allowed, and still make no whole reply.</summary>
    public bool IsFull => _end - _start >= MaxSize;

    public void Consume(long count) => _start += checked((int)count);

    /// <summary>Forgets what was received and not read: nothing sent before TLS may be read as if it came over TLS.</summary>
    public void Discard()
    {
        _start = 0;
        _end = 0;
    }

    /// <summary>Free space for the next read, after moving the unread bytes to the front or growing (up to <see cref="MaxSize"/>).</summary>
    public Memory<byte> FreeSpace()
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length && _buffer.Length < MaxSize)
        {
            byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Min(_buffer.Length * 2, MaxSize));
            _buffer.AsSpan(0, _end).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }

        return _buffer.AsMemory(_end);
    }

    public void Filled(int count) => _end += count;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _buffer, []) is { Length: > 0 } buffer)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
