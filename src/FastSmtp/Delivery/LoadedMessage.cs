using FastSmtp.Queue;

namespace FastSmtp.Delivery;

/// <summary>
/// A queued message read back for delivery: its record (sender and body as the bytes received;
/// the rest of the envelope parsed only when asked for) and what the read found out about it.
/// A destination's worker keeps one and reads message after message into it, so its buffer is
/// rented once, not once per message.
/// </summary>
internal sealed class LoadedMessage : IDisposable
{
    /// <summary>Postfix's hopcount_limit: more Received headers than this is a mail loop (RFC 5321 6.3).</summary>
    public const int MaxHops = 50;

    private readonly SpooledRecord _record = new();

    /// <summary>The reverse-path in UTF-8; empty for the null sender.</summary>
    public ReadOnlyMemory<byte> MailFrom => _record.MailFrom;

    /// <summary>The envelope, parsed on first use; its Body is empty (the body is <see cref="Body"/>).</summary>
    public SpooledMessage Message => _record.Envelope;

    public ReadOnlyMemory<byte> Body => _record.Body;

    public int ReceivedHeaders { get; private set; }

    public bool IsLooping => ReceivedHeaders > MaxHops;

    /// <summary>Reads <paramref name="entry"/>'s message in, in place of the one held before.</summary>
    public LoadedMessage Load(Spool spool, QueueEntry entry)
    {
        spool.ReadRecord(entry, _record);
        ReceivedHeaders = CountReceivedHeaders(_record.Body.Span);
        return this;
    }

    /// <summary>The message with its body in an array of its own, for a DSN that returns it.</summary>
    public SpooledMessage WithBody() => Message with { Body = Body.ToArray() };

    public void Dispose() => _record.Dispose();

    /// <summary>Received: fields in the header section (RFC 5321 6.3 counts them to detect loops).</summary>
    internal static int CountReceivedHeaders(ReadOnlySpan<byte> message)
    {
        int count = 0;
        while (!message.IsEmpty)
        {
            int lf = message.IndexOf((byte)'\n');
            ReadOnlySpan<byte> line = lf < 0 ? message : message[..lf];
            if (line.IsEmpty || line is [(byte)'\r'])
            {
                break;
            }

            if (line.Length >= 9 && System.Text.Ascii.EqualsIgnoreCase(line[..9], "Received:"u8))
            {
                count++;
            }

            message = lf < 0 ? default : message[(lf + 1)..];
        }

        return count;
    }
}
