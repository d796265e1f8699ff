using FastSmtp.Queue;

namespace FastSmtp.Delivery;

/// <summary>
/// A queued message read back for delivery: its record (sender and body as the bytes received,
/// in a buffer rented for the pass and returned when the pass ends; the rest of the envelope
/// parsed only when asked for) and what the read found out about it.
/// </summary>
internal sealed class LoadedMessage(SpooledRecord record, int receivedHeaders) : IDisposable
{
    /// <summary>Postfix's hopcount_limit: more Received headers than this is a mail loop (RFC 5321 6.3).</summary>
    public const int MaxHops = 50;

    /// <summary>The reverse-path in UTF-8; empty for the null sender.</summary>
    public ReadOnlyMemory<byte> MailFrom => record.MailFrom;

    /// <summary>The envelope, parsed on first use; its Body is empty (the body is <see cref="Body"/>).</summary>
    public SpooledMessage Message => record.Envelope;

    public ReadOnlyMemory<byte> Body => record.Body;

    public int ReceivedHeaders { get; } = receivedHeaders;

    public bool IsLooping => ReceivedHeaders > MaxHops;

    /// <summary>The message with its body in an array of its own, for a DSN that returns it.</summary>
    public SpooledMessage WithBody() => Message with { Body = Body.ToArray() };

    public void Dispose() => record.Dispose();
}
