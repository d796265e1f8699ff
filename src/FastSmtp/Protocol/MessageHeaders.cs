using System.Text;

namespace FastSmtp.Protocol;

/// <summary>Just enough RFC 5322 header reading for check-valid-sender.</summary>
public static class MessageHeaders
{
    /// <summary>
    /// True when the header block (up to the first empty line) has a Reply-To field holding an
    /// address of the form user@host. Folded lines are read as part of their field.
    /// </summary>
    public static bool HasReplyToAddress(ReadOnlySpan<byte> message)
    {
        bool inReplyTo = false;
        while (!message.IsEmpty)
        {
            int end = message.IndexOf("\r\n"u8);
            ReadOnlySpan<byte> line = end < 0 ? message : message[..end];
            message = end < 0 ? default : message[(end + 2)..];
            if (line.IsEmpty)
            {
                return false;
            }

            bool continuation = line[0] is (byte)' ' or (byte)'\t';
            if (!continuation)
            {
                inReplyTo = line.Length > 9 && Ascii.EqualsIgnoreCase(line[..9], "reply-to:"u8);
                line = inReplyTo ? line[9..] : default;
            }

            if (inReplyTo && HoldsUserAtHost(line))
            {
                return true;
            }
        }

        return false;
    }

    private static bool HoldsUserAtHost(ReadOnlySpan<byte> value)
    {
        int at = value.IndexOf((byte)'@');
        while (at >= 0)
        {
            bool userBefore = at > 0 && value[at - 1] is not ((byte)' ' or (byte)'<' or (byte)'\t' or (byte)',');
            bool hostAfter = at + 1 < value.Length && value[at + 1] is not ((byte)' ' or (byte)'>' or (byte)'\t' or (byte)',');
            if (userBefore && hostAfter)
            {
                return true;
            }

            int next = value[(at + 1)..].IndexOf((byte)'@');
            at = next < 0 ? -1 : at + 1 + next;
        }

        return false;
    }
}
