using System.Buffers;

namespace FastSmtp.Protocol;

/// <summary>
/// Re-adds dot-stuffing for DATA (RFC 5321 4.5.2): a line that starts with '.' gets a second
/// one, and the message ends with &lt;CRLF&gt;.&lt;CRLF&gt; (adding the final CRLF if the body
/// lacks one). Stateful across chunks, so a line start split between chunks is seen.
/// </summary>
public struct DotStuffer
{
    private bool _midLine;
    private bool _lastWasCR;

    /// <summary>Writes <paramref name="content"/> to <paramref name="output"/>, stuffed.</summary>
    public void Write(ReadOnlySpan<byte> content, IBufferWriter<byte> output)
    {
        while (!content.IsEmpty)
        {
            if (!_midLine && content[0] == (byte)'.')
            {
                output.Write("."u8);
            }

            int lf = content.IndexOf((byte)'\n');
            ReadOnlySpan<byte> piece = lf < 0 ? content : content[..(lf + 1)];
            output.Write(piece);
            _midLine = lf < 0;
            _lastWasCR = piece[^1] == (byte)'\r';
            content = content[piece.Length..];
        }
    }

    /// <summary>Ends the data: CRLF if the body did not end with one, then ".CRLF".</summary>
    public void Complete(IBufferWriter<byte> output)
    {
        if (_midLine)
        {
            output.Write(_lastWasCR ? "\n"u8 : "\r\n"u8);
        }

        output.Write(".\r\n"u8);
        _midLine = false;
        _lastWasCR = false;
    }
}
