using System.Buffers;
using FastSmtp.Queue;

namespace FastSmtp.Delivery;

/// <summary>
/// A queued message read back for delivery: its envelope, its body (in a buffer rented for the
/// pass, returned when the pass ends) and what the read found out about it.
/// </summary>
internal sealed class LoadedMessage(SpooledMessage envelope, ReadOnlyMemory<byte> body, byte[]? rented, int receivedHeaders) : IDisposable
{
    /// <summary>Postfix's hopcount_limit: more Received headers than this is a mail loop (RFC 5321 6.3).</summary>
    public const int MaxHops = 50;

    private byte[]? _rented = rented;

    /// <summary>The envelope; its Body is empty (the body is <see cref="Body"/>).</summary>
    public SpooledMessage Message { get; } = envelope;

    public ReadOnlyMemory<byte> Body { get; } = body;

    public int ReceivedHeaders { get; } = receivedHeaders;

    public bool IsLooping => ReceivedHeaders > MaxHops;

    /// <summary>The message with its body in an array of its own, for a DSN that returns it.</summary>
    public SpooledMessage WithBody() => Message with { Body = Body.ToArray() };

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _rented, null) is { } buffer)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
