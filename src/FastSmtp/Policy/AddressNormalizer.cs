using System.Runtime.CompilerServices;
using System.Buffers.Binary;
using System.Text;

namespace FastSmtp.Policy;

/// <summary>
/// Puts an address from MAIL or RCPT into the form the policy tables hold, so that writing it
/// another way cannot slip past a rule: a quoted local part loses its quotes and escapes
/// ("fred"@widget.com is fred@widget.com), the domain is lower-cased, and an internationalised
/// domain becomes its A-label form (xn--...) by UTS #46, or is refused when its mapping would
/// change it unseen (<see cref="InternationalDomain"/>): never looked up as written. Source
/// routes are already gone (the path parser drops them) and a trailing dot never gets this far
/// (it is not valid syntax).
/// </summary>
public static class AddressNormalizer
{
    /// <summary>Room for any address the path parser accepts, and its IDN expansion.</summary>
    public const int MaxLength = 1024;

    /// <summary>What <see cref="Normalize"/> returns for an address that does not fit.</summary>
    public const int DoesNotFit = -1;

    /// <summary>What <see cref="Normalize"/> returns for a domain that is refused (look-alike, hidden or unmappable characters).</summary>
    public const int DomainRefused = -2;

    /// <summary>Writes the normalised address; returns its length, <see cref="DoesNotFit"/> or <see cref="DomainRefused"/>.</summary>
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
                    return DoesNotFit;
                }

                destination[written++] = inner[i];
            }
        }
        else
        {
            if (local.Length > destination.Length)
            {
                return DoesNotFit;
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
            return DoesNotFit;
        }

        destination[written++] = (byte)'@';
        ReadOnlySpan<byte> domain = mailbox[(at + 1)..];
        if (!Ascii.IsValid(domain))
        {
            return MapInternational(domain, destination, written);
        }

        if (written + domain.Length > destination.Length)
        {
            return DoesNotFit;
        }

        Span<byte> lowered = destination.Slice(written, domain.Length);
        Ascii.ToLower(domain, lowered, out _);
        if (HasAceLabel(lowered))
        {
            // An A-label is checked as the name it encodes is; it is rare enough to copy.
            return MapInternational(lowered.ToArray(), destination, written);
        }

        return written + domain.Length;
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

    /// <summary>The slow path, kept out of <see cref="Normalize"/> so the ASCII path stays lean.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int MapInternational(ReadOnlySpan<byte> domain, Span<byte> destination, int written) =>
        InternationalDomain.TryToAscii(domain, destination[written..], out int ascii) ? written + ascii : DomainRefused;

    /// <summary>"xn--" read as one little-endian integer.</summary>
    private const uint AcePrefix = 'x' | ('n' << 8) | ('-' << 16) | ((uint)'-' << 24);

    /// <summary>A label starting "xn--" (in a lower-cased domain): four bytes compared as one integer per label.</summary>
    private static bool HasAceLabel(ReadOnlySpan<byte> domain)
    {
        while (domain.Length >= 4)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(domain) == AcePrefix)
            {
                return true;
            }

            int dot = domain.IndexOf((byte)'.');
            if (dot < 0)
            {
                return false;
            }

            domain = domain[(dot + 1)..];
        }

        return false;
    }
}
