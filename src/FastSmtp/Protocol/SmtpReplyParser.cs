using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace FastSmtp.Protocol;

/// <summary>
/// Reads a next hop's replies (RFC 5321 4.2): "250-first line", ..., "250 last line", with an
/// optional RFC 3463 enhanced status code after the separator. Stateless, over a
/// <see cref="SequenceReader{T}"/> like <see cref="SmtpCommandParser"/>: a reply is reported only
/// once all its lines have arrived, each line is sliced to 512 octets before it is searched, and
/// garbage or an endless reply is a <see cref="ReplyRejection"/>, never an exception.
/// </summary>
public static class SmtpReplyParser
{
    /// <summary>RFC 5321 4.5.3.1.5: a reply line is at most 512 octets including CRLF.</summary>
    public const int MaxReplyLineLength = 512;

    /// <summary>An EHLO reply has a line per extension; nothing honest comes near this.</summary>
    public const int MaxReplyLines = 100;

    [ThreadStatic]
    private static byte[]? t_lineBuffer;

    /// <summary>
    /// Reads one complete reply. Returns false, consuming nothing, while it is incomplete and
    /// every line so far is within the limits; otherwise consumes it (or, on a rejection, what
    /// was read) and reports it.
    /// </summary>
    public static bool TryParseReply<THandler>(ref SequenceReader<byte> reader, ref THandler handler)
        where THandler : struct, ISmtpReplyHandler
    {
        // First pass: find the end of the reply and validate it without reporting anything, so
        // an incomplete reply leaves the reader and the handler untouched.
        // One line buffer for both passes, for lines split across segments (at most 512 octets).
        // Per thread rather than on the stack: a line read from it leaves through an out span.
        byte[] copy = t_lineBuffer ??= new byte[MaxReplyLineLength];
        SequenceReader<byte> scan = reader;
        int code = 0;
        int lines = 0;
        while (true)
        {
            if (!TryReadLine(ref scan, copy, out ReadOnlySpan<byte> text, out bool tooLong))
            {
                return tooLong ? Reject(ref reader, scan, ref handler, ReplyRejection.LineTooLong) : false;
            }

            if (!TryParseCode(text, out int lineCode, out bool last))
            {
                return Reject(ref reader, scan, ref handler, ReplyRejection.NotAReply);
            }

            if (lines == 0)
            {
                code = lineCode;
            }
            else if (lineCode != code)
            {
                return Reject(ref reader, scan, ref handler, ReplyRejection.InconsistentCode);
            }

            if (++lines > MaxReplyLines)
            {
                return Reject(ref reader, scan, ref handler, ReplyRejection.TooManyLines);
            }

            if (last)
            {
                break;
            }
        }

        // Second pass: report the lines, then consume the reply.
        for (int i = 0; i < lines; i++)
        {
            TryReadLine(ref reader, copy, out ReadOnlySpan<byte> text, out _);
            ReadOnlySpan<byte> rest = text.Length > 4 ? text[4..] : default;
            EnhancedStatusCode status = ParseEnhancedStatus(ref rest, (byte)(code / 100));
            handler.OnReplyLine(code, status, rest, last: i == lines - 1);
        }

        return true;
    }

    /// <summary>
    /// One line without its line ending (a bare LF ends a line too: peers are not all strict).
    /// PERF: a line inside the current segment is found in its span; only a line split across
    /// segments pays for sequence slicing and a copy into <paramref name="copy"/>.
    /// </summary>
    private static bool TryReadLine(ref SequenceReader<byte> reader, byte[] copy, out ReadOnlySpan<byte> line, out bool tooLong)
    {
        tooLong = false;
        ReadOnlySpan<byte> unread = reader.UnreadSpan;
        int lf = unread[..Math.Min(unread.Length, MaxReplyLineLength)].IndexOf((byte)'\n');
        if (lf >= 0)
        {
            line = unread[..lf];
            reader.Advance(lf + 1);
        }
        else if (unread.Length >= MaxReplyLineLength)
        {
            line = default;
            tooLong = true;
            return false;
        }
        else
        {
            ReadOnlySequence<byte> window = reader.UnreadSequence;
            if (window.Length > MaxReplyLineLength)
            {
                window = window.Slice(0, MaxReplyLineLength);
            }

            SequencePosition? end = window.PositionOf((byte)'\n');
            if (end is null)
            {
                line = default;
                tooLong = window.Length >= MaxReplyLineLength;
                return false;
            }

            ReadOnlySequence<byte> sequence = window.Slice(0, end.Value);
            sequence.CopyTo(copy);
            line = copy.AsSpan(0, (int)sequence.Length);
            reader.Advance(sequence.Length + 1);
        }

        if (!line.IsEmpty && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        return true;
    }

    /// <summary>"DDD" then ' ' (last line), '-' (more follow), or nothing (a bare last line).</summary>
    private static bool TryParseCode(ReadOnlySpan<byte> text, out int code, out bool last)
    {
        code = 0;
        last = true;
        if (text.Length < 3 || text[0] is < (byte)'2' or > (byte)'5' || !char.IsAsciiDigit((char)text[1]) || !char.IsAsciiDigit((char)text[2]))
        {
            return false;
        }

        code = ((text[0] - '0') * 100) + ((text[1] - '0') * 10) + (text[2] - '0');
        if (text.Length == 3)
        {
            return true;
        }

        last = text[3] == (byte)' ';
        return last || text[3] == (byte)'-';
    }

    /// <summary>RFC 3463 class.subject.detail after the separator, when its class matches the reply's.</summary>
    private static EnhancedStatusCode ParseEnhancedStatus(ref ReadOnlySpan<byte> text, byte replyClass)
    {
        if (text.Length < 5 || text[0] - '0' != replyClass || text[1] != (byte)'.')
        {
            return default;
        }

        ReadOnlySpan<byte> rest = text[2..];
        if (!Utf8Parser.TryParse(rest, out short subject, out int subjectLength) || subjectLength > 3
            || subjectLength >= rest.Length || rest[subjectLength] != (byte)'.')
        {
            return default;
        }

        rest = rest[(subjectLength + 1)..];
        if (!Utf8Parser.TryParse(rest, out short detail, out int detailLength) || detailLength > 3
            || (detailLength < rest.Length && rest[detailLength] != (byte)' '))
        {
            return default;
        }

        text = detailLength < rest.Length ? rest[(detailLength + 1)..] : default;
        return new EnhancedStatusCode(replyClass, subject, detail);
    }

    [StackTraceHidden]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool Reject<THandler>(ref SequenceReader<byte> reader, SequenceReader<byte> scanned, ref THandler handler, ReplyRejection rejection)
        where THandler : struct, ISmtpReplyHandler
    {
        // Consume what was read: the connection is dropped after a rejection anyway, and nothing
        // of it must be read again as a reply.
        reader = scanned;
        handler.OnRejected(rejection);
        return true;
    }
}
