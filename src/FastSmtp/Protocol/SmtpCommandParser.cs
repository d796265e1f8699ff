using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace FastSmtp.Protocol;

/// <summary>
/// Splits the input into command lines and recognises each line's verb. Stateless: everything it
/// knows is in the reader, so one parser serves every session.
/// </summary>
// The 512-octet stack buffer for lines split across segments is always overwritten before it
// is read, so zeroing it would be wasted work.
[SkipLocalsInit]
public static class SmtpCommandParser
{
    /// <summary>RFC 5321 4.5.3.1.4: a command line is at most 512 octets including CRLF.</summary>
    public const int MaxCommandLineLength = 512;

    private const byte ByteCR = (byte)'\r';
    private const byte ByteLF = (byte)'\n';
    private const byte ByteSpace = (byte)' ';

    // ASCII letters only change in bit 0x20, so OR-ing it into four bytes lower-cases them; no
    // other byte maps onto a lower-case letter, so the compare stays exact.
    private const uint LowerCaseMask = 0x2020_2020;

    private const uint Helo = 'h' | 'e' << 8 | 'l' << 16 | 'o' << 24;
    private const uint Ehlo = 'e' | 'h' << 8 | 'l' << 16 | 'o' << 24;
    private const uint Mail = 'm' | 'a' << 8 | 'i' << 16 | 'l' << 24;
    private const uint Rcpt = 'r' | 'c' << 8 | 'p' << 16 | 't' << 24;
    private const uint Data = 'd' | 'a' << 8 | 't' << 16 | 'a' << 24;
    private const uint Bdat = 'b' | 'd' << 8 | 'a' << 16 | 't' << 24;
    private const uint Rset = 'r' | 's' << 8 | 'e' << 16 | 't' << 24;
    private const uint Noop = 'n' | 'o' << 8 | 'o' << 16 | 'p' << 24;
    private const uint Quit = 'q' | 'u' << 8 | 'i' << 16 | 't' << 24;
    private const uint Vrfy = 'v' | 'r' << 8 | 'f' << 16 | 'y' << 24;
    private const uint Expn = 'e' | 'x' << 8 | 'p' << 16 | 'n' << 24;
    private const uint Help = 'h' | 'e' << 8 | 'l' << 16 | 'p' << 24;
    private const uint Auth = 'a' | 'u' << 8 | 't' << 16 | 'h' << 24;
    private const uint Star = 's' | 't' << 8 | 'a' << 16 | 'r' << 24;
    private const uint Ttls = 't' | 't' << 8 | 'l' << 16 | 's' << 24;

    /// <summary>
    /// Reads one command line. Returns false, consuming nothing, when the line is not complete yet
    /// and still inside the limit. Otherwise consumes the line (or, when it is too long, exactly
    /// <see cref="MaxCommandLineLength"/> octets of it) and reports it to <paramref name="handler"/>.
    /// </summary>
    public static bool TryParseCommand<THandler>(ref SequenceReader<byte> reader, ref THandler handler)
        where THandler : struct, ISmtpCommandHandler
    {
        // Slice to the limit before searching, so a hostile client can never make us scan or
        // buffer more than one command line's worth of bytes.
        ReadOnlySequence<byte> window = reader.UnreadSequence;
        if (window.Length > MaxCommandLineLength)
        {
            window = window.Slice(0, MaxCommandLineLength);
        }

        if (window.IsSingleSegment)
        {
            ReadOnlySpan<byte> span = window.FirstSpan;
            int lf = span.IndexOf(ByteLF);
            return lf < 0
                ? RejectIfFull(ref reader, ref handler, window.Length)
                : Dispatch(ref reader, ref handler, span[..(lf + 1)]);
        }

        SequencePosition? lfPosition = window.PositionOf(ByteLF);
        if (lfPosition is null)
        {
            return RejectIfFull(ref reader, ref handler, window.Length);
        }

        // A line split across buffer segments is copied once onto the stack: it is at most
        // 512 octets, and the handler then sees one contiguous span either way.
        ReadOnlySequence<byte> lineSequence = window.Slice(0, window.GetPosition(1, lfPosition.Value));
        Span<byte> copy = stackalloc byte[MaxCommandLineLength];
        lineSequence.CopyTo(copy);
        return Dispatch(ref reader, ref handler, copy[..(int)lineSequence.Length]);
    }

    private static bool Dispatch<THandler>(ref SequenceReader<byte> reader, ref THandler handler, scoped ReadOnlySpan<byte> line)
        where THandler : struct, ISmtpCommandHandler
    {
        reader.Advance(line.Length);
        if (line.Length < 2 || line[^2] != ByteCR)
        {
            handler.OnRejected(CommandRejection.BareLineFeed);
            return true;
        }

        ReadOnlySpan<byte> content = line[..^2];
        SmtpVerb verb = RecognizeVerb(content, out int verbLength);
        ReadOnlySpan<byte> arguments = verb == SmtpVerb.Unknown ? content : content[verbLength..];
        if (verb != SmtpVerb.Unknown && arguments.Length > 0)
        {
            // RFC 5321 4.1.1: the verb and its arguments are separated by one SP.
            if (arguments[0] != ByteSpace)
            {
                verb = SmtpVerb.Unknown;
                arguments = content;
            }
            else
            {
                arguments = arguments[1..];
            }
        }

        handler.OnCommand(verb, arguments);
        return true;
    }

    /// <summary>Recognises the verb at the start of a line by comparing its bytes as integers.</summary>
    public static SmtpVerb RecognizeVerb(ReadOnlySpan<byte> content, out int verbLength)
    {
        verbLength = 4;
        if (content.Length < 4)
        {
            return SmtpVerb.Unknown;
        }

        uint first = BinaryPrimitives.ReadUInt32LittleEndian(content) | LowerCaseMask;
        switch (first)
        {
            case Helo: return SmtpVerb.Helo;
            case Ehlo: return SmtpVerb.Ehlo;
            case Mail: return SmtpVerb.Mail;
            case Rcpt: return SmtpVerb.Rcpt;
            case Data: return SmtpVerb.Data;
            case Bdat: return SmtpVerb.Bdat;
            case Rset: return SmtpVerb.Rset;
            case Noop: return SmtpVerb.Noop;
            case Quit: return SmtpVerb.Quit;
            case Vrfy: return SmtpVerb.Vrfy;
            case Expn: return SmtpVerb.Expn;
            case Help: return SmtpVerb.Help;
            case Auth: return SmtpVerb.Auth;
            case Star:
                if (content.Length >= 8 && (BinaryPrimitives.ReadUInt32LittleEndian(content[4..]) | LowerCaseMask) == Ttls)
                {
                    verbLength = 8;
                    return SmtpVerb.StartTls;
                }

                return SmtpVerb.Unknown;
            default:
                return SmtpVerb.Unknown;
        }
    }

    private static bool RejectIfFull<THandler>(ref SequenceReader<byte> reader, ref THandler handler, long windowLength)
        where THandler : struct, ISmtpCommandHandler
    {
        if (windowLength < MaxCommandLineLength)
        {
            return false;
        }

        return RejectLineTooLong(ref reader, ref handler);
    }

    [StackTraceHidden]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool RejectLineTooLong<THandler>(ref SequenceReader<byte> reader, ref THandler handler)
        where THandler : struct, ISmtpCommandHandler
    {
        // "Incomplete inside the cap" means too long. Consume the capped window; the caller
        // discards the rest of the line up to the next LF without buffering it.
        reader.Advance(MaxCommandLineLength);
        handler.OnRejected(CommandRejection.LineTooLong);
        return true;
    }
}
