using System.Text;
using MimeKit;

namespace FastSmtp.Protocol;

/// <summary>Just enough RFC 5322 header reading for check-valid-sender.</summary>
public static class MessageHeaders
{
    /// <summary>
    /// True when the header block (up to the first empty line) has a Reply-To field whose
    /// address list (RFC 5322 3.4: unfolded, read by MimeKit's parser) holds a mailbox of the
    /// form user@host. An "@" in a display name or a comment does not count.
    /// </summary>
    public static bool HasReplyToAddress(ReadOnlySpan<byte> message)
    {
        byte[]? value = null;
        int length = 0;
        bool inReplyTo = false;
        while (!message.IsEmpty)
        {
            int end = message.IndexOf("\r\n"u8);
            ReadOnlySpan<byte> line = end < 0 ? message : message[..end];
            message = end < 0 ? default : message[(end + 2)..];
            if (line.IsEmpty)
            {
                break;
            }

            bool continuation = line[0] is (byte)' ' or (byte)'\t';
            if (!continuation)
            {
                if (inReplyTo)
                {
                    // One field only: a second Reply-To is not read into the first.
                    break;
                }

                inReplyTo = line.Length >= 9 && Ascii.EqualsIgnoreCase(line[..9], "reply-to:"u8);
                line = inReplyTo ? line[9..] : default;
            }

            if (inReplyTo)
            {
                // Unfolding (RFC 5322 2.2.3) removes the CRLF and keeps the white space after it.
                value ??= new byte[message.Length + line.Length];
                if (length + line.Length + 1 > value.Length)
                {
                    Array.Resize(ref value, (length + line.Length + 1) * 2);
                }

                line.CopyTo(value.AsSpan(length));
                length += line.Length;
                value[length++] = (byte)' ';
            }
        }

        return value is not null
            && InternetAddressList.TryParse(ParserOptions.Default, value, 0, length, out InternetAddressList? addresses)
            && addresses.Mailboxes.Any(mailbox => mailbox.LocalPart.Length > 0 && mailbox.Domain.Length > 0);
    }
}
