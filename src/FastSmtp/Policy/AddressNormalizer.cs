using System.Globalization;
using System.Text;

namespace FastSmtp.Policy;

/// <summary>
/// Puts an address from MAIL or RCPT into the form the policy tables hold, so that writing it
/// another way cannot slip past a rule: a quoted local part loses its quotes and escapes
/// ("fred"@widget.com is fred@widget.com), the domain is lower-cased, and an internationalised
/// domain becomes its A-label form (xn--...). Source routes are already gone (the path parser
/// drops them) and a trailing dot never gets this far (it is not valid syntax).
/// </summary>
public static class AddressNormalizer
{
    /// <summary>Room for any address the path parser accepts, and its IDN expansion.</summary>
    public const int MaxLength = 1024;

    /// <summary>Writes the normalised address; returns its length, or -1 when it does not fit.</summary>
    public static int Normalize(ReadOnlySpan<byte> mailbox, Span<byte> destination)
    {
        int at = LastAtOutsideQuotes(mailbox);
        ReadOnlySpan<byte> local = at < 0 ? mailbox : mailbox[..at];
        int written = 0;
        if (local.Length >= 2 && local[0] == (byte)'"' && local[^1] == (byte)'"')
        {
            ReadOnlySpan<byte> inner = local[1..^1];
            for (int i = 0; i < inner.Length; i++)
            {
                if (inner[i] == (byte)'\\' && i + 1 < inner.Length)
                {
                    i++;
                }

                if (written == destination.Length)
                {
                    return -1;
                }

                destination[written++] = inner[i];
            }
        }
        else
        {
            if (local.Length > destination.Length)
            {
                return -1;
            }

            local.CopyTo(destination);
            written = local.Length;
        }

        if (at < 0)
        {
            return written;
        }

        if (written == destination.Length)
        {
            return -1;
        }

        destination[written++] = (byte)'@';
        ReadOnlySpan<byte> domain = mailbox[(at + 1)..];
        if (!Ascii.IsValid(domain))
        {
            domain = ToAscii(domain);
        }

        if (written + domain.Length > destination.Length)
        {
            return -1;
        }

        Ascii.ToLower(domain, destination[written..], out int lowered);
        return written + lowered;
    }

    public static int LastAtOutsideQuotes(ReadOnlySpan<byte> mailbox)
    {
        if (mailbox.IsEmpty || mailbox[0] != (byte)'"')
        {
            return mailbox.LastIndexOf((byte)'@');
        }

        int close = mailbox.LastIndexOf((byte)'"');
        int at = mailbox[close..].IndexOf((byte)'@');
        return at < 0 ? -1 : close + at;
    }

    /// <summary>
    /// UTS #46 ToASCII. It allocates, but only for a domain holding non-ASCII octets, which a
    /// client can send only after declaring SMTPUTF8.
    /// </summary>
    private static byte[] ToAscii(ReadOnlySpan<byte> domain)
    {
        // Lower-case first: with invariant globalization IdnMapping does no UTS #46 case
        // mapping, and BÜCHER must become the same A-label as bücher.
        string text = Encoding.UTF8.GetString(domain).ToLowerInvariant();
        try
        {
            return Encoding.ASCII.GetBytes(new IdnMapping { UseStd3AsciiRules = true }.GetAscii(text));
        }
        catch (ArgumentException)
        {
            return Encoding.UTF8.GetBytes(text);
        }
    }
}
