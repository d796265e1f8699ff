using System.Buffers;

namespace FastSmtp.Protocol;

/// <summary>
/// Decodes the DATA stream (RFC 5321 4.1.1.4, 4.5.2) one buffer segment at a time: removes
/// dot-stuffing, finds the end of data, and notes bare CR and bare LF (the SMTP smuggling
/// defence) and NUL (RFC 5321 4.5.2 allows none in text; FastSmtp offers no BINARYMIME). Only <c>&lt;CRLF&gt;.&lt;CRLF&gt;</c> ends the data: <c>&lt;LF&gt;.&lt;LF&gt;</c>,
/// <c>&lt;LF&gt;.&lt;CRLF&gt;</c> and <c>&lt;CR&gt;.&lt;CR&gt;</c> do not. Its whole state is one
/// enum, so a CRLF or a dot split across segments or reads decodes exactly as unsplit input.
/// </summary>
public struct DataDecoder
{
    private const byte ByteCR = (byte)'\r';
    private const byte ByteLF = (byte)'\n';
    private const byte ByteDot = (byte)'.';
    private const byte ByteNul = 0;

    private State _state;

    private enum State : byte
    {
        LineStart,
        InLine,
        SeenCR,
        Dot,
        DotCR,
    }

    /// <summary>True once the content held a CR not followed by LF, or an LF not preceded by CR.</summary>
    public bool SawBareLineEnding { get; private set; }

    /// <summary>True once the content held a NUL octet.</summary>
    public bool SawNul { get; private set; }

    /// <summary>Prepares for a new message: data starts at the beginning of a line.</summary>
    public void Reset()
    {
        _state = State.LineStart;
        SawBareLineEnding = false;
        SawNul = false;
    }

    /// <summary>
    /// Decodes <paramref name="buffer"/> into <paramref name="sink"/>. Returns true when the end of
    /// data was found; <paramref name="consumed"/> is then just past its final LF. Otherwise all of
    /// the buffer was consumed and the state waits for more.
    /// </summary>
    public bool Decode<TSink>(in ReadOnlySequence<byte> buffer, ref TSink sink, out SequencePosition consumed)
        where TSink : struct, IContentSink
    {
        long offset = 0;
        foreach (ReadOnlyMemory<byte> segment in buffer)
        {
            int end = DecodeSpan(segment.Span, ref sink);
            if (end >= 0)
            {
                consumed = buffer.GetPosition(offset + end);
                return true;
            }

            offset += segment.Length;
        }

        consumed = buffer.End;
        return false;
    }

    /// <summary>Decodes one span; returns the index just past the end of data, or -1.</summary>
    public int DecodeSpan<TSink>(ReadOnlySpan<byte> span, ref TSink sink)
        where TSink : struct, IContentSink
    {
        int i = 0;
        while (i < span.Length)
        {
            switch (_state)
            {
                case State.InLine:
                {
                    // PERF: the common case is a run of plain text; find its end vectorised.
                    int index = span[i..].IndexOfAny(ByteCR, ByteLF, ByteNul);
                    if (index < 0)
                    {
                        sink.Append(span[i..]);
                        return -1;
                    }

                    int at = i + index;
                    if (span[at] == ByteNul)
                    {
                        // Noted and kept: the message is refused at its end, as for a bare line ending.
                        SawNul = true;
                        sink.Append(span[i..(at + 1)]);
                        i = at + 1;
                    }
                    else if (span[at] == ByteLF)
                    {
                        SawBareLineEnding = true;
                        sink.Append(span[i..(at + 1)]);
                        i = at + 1;
                    }
                    else if (at + 1 < span.Length && span[at + 1] == ByteLF)
                    {
                        sink.Append(span[i..(at + 2)]);
                        i = at + 2;
                        _state = State.LineStart;
                    }
                    else
                    {
                        sink.Append(span[i..(at + 1)]);
                        i = at + 1;
                        _state = State.SeenCR;
                    }

                    break;
                }

                case State.LineStart:
                    if (span[i] == ByteDot)
                    {
                        // Either the terminator or dot-stuffing: the dot is never content.
                        i++;
                        _state = State.Dot;
                    }
                    else
                    {
                        _state = State.InLine;
                    }

                    break;

                case State.SeenCR:
                    if (span[i] == ByteLF)
                    {
                        sink.Append("\n"u8);
                        i++;
                        _state = State.LineStart;
                    }
                    else
                    {
                        SawBareLineEnding = true;
                        _state = State.InLine;
                    }

                    break;

                case State.Dot:
                    if (span[i] == ByteCR)
                    {
                        i++;
                        _state = State.DotCR;
                    }
                    else
                    {
                        _state = State.InLine;
                    }

                    break;

                case State.DotCR:
                    if (span[i] == ByteLF)
                    {
                        _state = State.LineStart;
                        return i + 1;
                    }

                    // ".<CR>x": the dot was stuffing and the CR is bare.
                    SawBareLineEnding = true;
                    sink.Append("\r"u8);
                    _state = State.InLine;
                    break;
            }
        }

        return -1;
    }
}
