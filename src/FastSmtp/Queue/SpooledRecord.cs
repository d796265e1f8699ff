using System.Buffers;

namespace FastSmtp.Queue;

/// <summary>
/// A queued message's record read back for delivery, into a buffer rented from the shared pool
/// that the record keeps from one read to the next (a destination's worker reads message after
/// message into the same one) and returns on <see cref="Dispose"/>. The sender and the body are
/// slices of it, as they were received; the rest of the envelope is parsed only when something
/// asks for it (a DSN, a Maildir's trace fields).
/// </summary>
public sealed class SpooledRecord : IDisposable
{
    private byte[] _buffer = [];
    private int _length;
    private Range _mailFrom;
    private SpooledMessage? _envelope;

    /// <summary>The reverse-path in UTF-8, without angle brackets; empty for the null sender.</summary>
    public ReadOnlyMemory<byte> MailFrom => _buffer.AsMemory(_mailFrom);

    public ReadOnlyMemory<byte> Body { get; private set; }

    /// <summary>The envelope (its Body empty: the body is <see cref="Body"/>), parsed on first use.</summary>
    public SpooledMessage Envelope
    {
        get
        {
            if (Volatile.Read(ref _envelope) is { } parsed)
            {
                return parsed;
            }

            Interlocked.CompareExchange(ref _envelope, SpoolReader.ParseEnvelope(_buffer.AsSpan(0, _length)), null);
            return _envelope;
        }
    }

    /// <summary>Room for a payload of <paramref name="length"/> octets; what the record held before is gone.</summary>
    internal byte[] BufferFor(int length)
    {
        _envelope = null;
        Body = default;
        _length = 0;
        if (_buffer.Length < length)
        {
            ReturnBuffer();
            _buffer = ArrayPool<byte>.Shared.Rent(length);
        }

        return _buffer;
    }

    internal void Filled(int length, Range mailFrom, ReadOnlyMemory<byte> body)
    {
        _length = length;
        _mailFrom = mailFrom;
        Body = body;
    }

    public void Dispose()
    {
        _envelope = null;
        Body = default;
        _length = 0;
        ReturnBuffer();
    }

    private void ReturnBuffer()
    {
        byte[] buffer = _buffer;
        _buffer = [];
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
