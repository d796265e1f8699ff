using System.Buffers;

namespace FastSmtp.Queue;

/// <summary>
/// A queued message's record read back for delivery, in a buffer rented from the shared pool
/// and returned on <see cref="Dispose"/>: the sender and the body are slices of it, as they were
/// received, and the rest of the envelope is parsed only when something asks for it (a DSN, a
/// Maildir's trace fields).
/// </summary>
public sealed class SpooledRecord : IDisposable
{
    private readonly int _length;
    private byte[]? _rented;
    private SpooledMessage? _envelope;

    internal SpooledRecord(byte[] rented, int length, Range mailFrom, ReadOnlyMemory<byte> body)
    {
        _rented = rented;
        _length = length;
        MailFrom = rented.AsMemory(mailFrom);
        Body = body;
    }

    /// <summary>The reverse-path in UTF-8, without angle brackets; empty for the null sender.</summary>
    public ReadOnlyMemory<byte> MailFrom { get; }

    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>The envelope (its Body empty: the body is <see cref="Body"/>), parsed on first use.</summary>
    public SpooledMessage Envelope
    {
        get
        {
            if (Volatile.Read(ref _envelope) is { } parsed)
            {
                return parsed;
            }

            byte[] record = _rented ?? throw new ObjectDisposedException(nameof(SpooledRecord));
            Interlocked.CompareExchange(ref _envelope, SpoolReader.ParseEnvelope(record.AsSpan(0, _length)), null);
            return _envelope;
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _rented, null) is { } buffer)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
