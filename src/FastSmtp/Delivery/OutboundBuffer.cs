using System.Buffers;

namespace FastSmtp.Delivery;

/// <summary>
/// The bytes an outbound connection has yet to send, in one pooled array that grows when a
/// write needs more room. Commands are encoded straight into it and leave in one write; unlike
/// a pipe over the stream, a flush is one <see cref="Stream.WriteAsync(ReadOnlyMemory{byte}, CancellationToken)"/>
/// with nothing allocated per segment or per flush.
/// </summary>
internal sealed class OutboundBuffer : IBufferWriter<byte>, IDisposable
{
    private const int InitialSize = 4096;

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(InitialSize);
    private int _written;

    public int Length => _written;

    /// <summary>
    /// Hands the written bytes out and starts empty. The caller must finish with them (write them
    /// out) before anything else is written here.
    /// </summary>
    public ReadOnlyMemory<byte> Take()
    {
        ReadOnlyMemory<byte> written = _buffer.AsMemory(0, _written);
        _written = 0;
        return written;
    }

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (_written + count > _buffer.Length)
        {
            throw new InvalidOperationException("advanced past the end of the buffer");
        }

        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        EnsureRoom(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        EnsureRoom(sizeHint);
        return _buffer.AsSpan(_written);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _buffer, []) is { Length: > 0 } buffer)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void EnsureRoom(int sizeHint)
    {
        int needed = Math.Max(sizeHint, 1);
        if (_buffer.Length - _written >= needed)
        {
            return;
        }

        byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _written + needed));
        _buffer.AsSpan(0, _written).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }
}
