using System.Text;

namespace FastSmtp.Protocol;

/// <summary>
/// Parses the arguments of MAIL and RCPT (RFC 5321 4.1.1.2, 4.1.1.3 and 4.1.2) from spans.
/// The mailbox it returns is a slice of the input: the session decides whether it is worth a string.
/// </summary>
public static class SmtpPathParser
{
    /// <summary>RFC 5321 4.5.3.1.3: a path, brackets included, is at most 256 octets.</summary>
    public const int MaxPathLength = 256;

    private const int MaxLocalPartLength = 64;
    private const int MaxDomainLength = 255;

    /// <summary>Parses <c>FROM:&lt;reverse-path&gt; [parameters]</c>; an empty mailbox is the null sender.</summary>
    public static PathError TryParseMailFrom(ReadOnlySpan<byte> arguments, out ReadOnlySpan<byte> mailbox, out ReadOnlySpan<byte> parameters) =>
        ParsePathArgument(arguments, "FROM:"u8, allowNull: true, out mailbox, out parameters);

    /// <summary>Parses <c>TO:&lt;forward-path&gt; [parameters]</c>; <c>&lt;postmaster&gt;</c> needs no domain.</summary>
    public static PathError TryParseRcptTo(ReadOnlySpan<byte> arguments, out ReadOnlySpan<byte> mailbox, out ReadOnlySpan<byte> parameters) =>
        ParsePathArgument(arguments, "TO:"u8, allowNull: false, out mailbox, out parameters);

    private static PathError ParsePathArgument(ReadOnlySpan<byte> arguments, ReadOnlySpan<byte> keyword, bool allowNull, out ReadOnlySpan<byte> mailbox, out ReadOnlySpan<byte> parameters)
    {
        mailbox = default;
        parameters = default;
        if (arguments.Length < keyword.Length || !Ascii.EqualsIgnoreCase(arguments[..keyword.Length], keyword))
        {
            return PathError.MissingKeyword;
        }

        // Strict RFC 5321 has no space after the colon, but many clients send one; Postfix
        // accepts it too (strict_rfc821_envelopes = no).
        ReadOnlySpan<byte> rest = arguments[keyword.Length..].TrimStart((byte)' ');
        ReadOnlySpan<byte> path;
        if (rest.Length > 0 && rest[0] == (byte)'<')
        {
            int close = IndexOfClosingBracket(rest);
            if (close < 0)
            {
                return PathError.BadPathSyntax;
            }

            if (close + 1 > MaxPathLength)
            {
                return PathError.TooLong;
            }

            path = rest[1..close];
            rest = rest[(close + 1)..];
        }
        else
        {
            // A path without brackets, as Postfix accepts by default: up to the first space.
            int space = rest.IndexOf((byte)' ');
            path = space < 0 ? rest : rest[..space];
            rest = space < 0 ? default : rest[space..];
            if (path.Length == 0 || path.Length + 2 > MaxPathLength)
            {
                return path.Length == 0 ? PathError.BadPathSyntax : PathError.TooLong;
            }
        }

        if (rest.Length > 0 && rest[0] != (byte)' ')
        {
            return PathError.BadPathSyntax;
        }

        parameters = rest.Trim((byte)' ');

        // RFC 5321 4.1.1.3 and appendix C: a source route is accepted and ignored.
        if (path.Length > 0 && path[0] == (byte)'@')
        {
            int colon = path.IndexOf((byte)':');
            if (colon < 0 || !IsSourceRoute(path[..colon]))
            {
                return PathError.BadPathSyntax;
            }

            path = path[(colon + 1)..];
            if (path.Length == 0)
            {
                return PathError.BadPathSyntax;
            }
        }

        if (path.Length == 0)
        {
            return allowNull ? PathError.None : PathError.BadMailbox;
        }

        if (!allowNull && Ascii.EqualsIgnoreCase(path, "postmaster"u8))
        {
            mailbox = path;
            return PathError.None;
        }

        PathError mailboxError = ValidateMailbox(path);
        if (mailboxError == PathError.None)
        {
            mailbox = path;
        }

        return mailboxError;
    }

    /// <summary>Finds the '&gt;' that closes a path, skipping quoted strings (a quoted local part may hold '&gt;').</summary>
    private static int IndexOfClosingBracket(ReadOnlySpan<byte> text)
    {
        bool quoted = false;
        for (int i = 1; i < text.Length; i++)
        {
            byte b = text[i];
            if (quoted)
            {
                if (b == (byte)'\\')
                {
                    i++;
                }
                else if (b == (byte)'"')
                {
                    quoted = false;
                }
            }
            else if (b == (byte)'"')
            {
                quoted = true;
            }
            else if (b == (byte)'>')
            {
                return i;
            }
            else if (b == (byte)'<')
            {
                return -1;
            }
        }

        return -1;
    }

    private static bool IsSourceRoute(ReadOnlySpan<byte> route)
    {
        // "@one.example,@two.example"
        foreach (Range part in route.Split((byte)','))
        {
            ReadOnlySpan<byte> hop = route[part];
            if (hop.Length < 2 || hop[0] != (byte)'@' || !IsDomain(hop[1..]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>RFC 5321 4.1.2 Mailbox = Local-part "@" ( Domain / address-literal ), UTF-8 allowed (RFC 6531).</summary>
    public static PathError ValidateMailbox(ReadOnlySpan<byte> mailbox)
    {
        if (!System.Text.Unicode.Utf8.IsValid(mailbox))
        {
            return PathError.NotUtf8;
        }

        int at = mailbox.LastIndexOf((byte)'@');
        if (at <= 0 || at == mailbox.Length - 1)
        {
            return PathError.BadMailbox;
        }

        ReadOnlySpan<byte> localPart = mailbox[..at];
        ReadOnlySpan<byte> domain = mailbox[(at + 1)..];
        if (localPart.Length > MaxLocalPartLength || domain.Length > MaxDomainLength)
        {
            return PathError.TooLong;
        }

        bool localOk = localPart[0] == (byte)'"' ? IsQuotedString(localPart) : IsDotString(localPart);
        bool domainOk = domain[0] == (byte)'[' ? AddressLiteral.TryParse(domain, out _) : IsDomain(domain);
        return localOk && domainOk ? PathError.None : PathError.BadMailbox;
    }

    private static bool IsDotString(ReadOnlySpan<byte> text)
    {
        if (text[0] == (byte)'.' || text[^1] == (byte)'.')
        {
            return false;
        }

        byte previous = 0;
        foreach (byte b in text)
        {
            if (b == (byte)'.' ? previous == (byte)'.' : !IsAtext(b))
            {
                return false;
            }

            previous = b;
        }

        return true;
    }

    private static bool IsQuotedString(ReadOnlySpan<byte> text)
    {
        if (text.Length < 2 || text[^1] != (byte)'"')
        {
            return false;
        }

        ReadOnlySpan<byte> inner = text[1..^1];
        for (int i = 0; i < inner.Length; i++)
        {
            byte b = inner[i];
            if (b == (byte)'\\')
            {
                // quoted-pairSMTP: %d92 %d32-126
                if (++i >= inner.Length || inner[i] is < 32 or > 126)
                {
                    return false;
                }
            }
            else if (b == (byte)'"' || (b < 32 && b != (byte)'\t') || b == 127)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Dot-separated labels of letters, digits and hyphens; UTF-8 octets stand for U-labels.</summary>
    public static bool IsDomain(ReadOnlySpan<byte> domain)
    {
        if (domain.Length == 0 || domain.Length > MaxDomainLength)
        {
            return false;
        }

        foreach (Range range in domain.Split((byte)'.'))
        {
            ReadOnlySpan<byte> label = domain[range];
            if (label.Length == 0 || label.Length > 63 || label[0] == (byte)'-' || label[^1] == (byte)'-')
            {
                return false;
            }

            foreach (byte b in label)
            {
                if (!(char.IsAsciiLetterOrDigit((char)b) || b == (byte)'-' || b >= 0x80))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static bool IsAtext(byte b) =>
        char.IsAsciiLetterOrDigit((char)b) || b >= 0x80 || "!#$%&'*+-/=?^_`{|}~"u8.Contains(b);
}
