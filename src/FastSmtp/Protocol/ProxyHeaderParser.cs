using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Net;
using System.Net.Sockets;

namespace FastSmtp.Protocol;

/// <summary>
/// Reads the PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1 and 2) that a load
/// balancer sends before any byte of the client's, to learn the client's real address. Stateless,
/// over a <see cref="SequenceReader{T}"/> like <see cref="SmtpCommandParser"/>: a header split
/// across segments is copied once to the stack; a version 1 line is sliced to its 107-octet
/// maximum before it is searched; a version 2 header's announced length is bounded before
/// anything is read. Returns <see cref="ProxyHeaderStatus.Incomplete"/>, consuming nothing, until
/// the whole header has arrived; bytes after it are left for the SMTP session.
/// </summary>
public static class ProxyHeaderParser
{
    /// <summary>Version 1: "PROXY TCP6 " + two 39-character addresses + two ports + spaces + CRLF.</summary>
    public const int MaxVersion1Length = 107;

    /// <summary>
    /// Version 2: 16 octets, then addresses (at most 216 for AF_UNIX) and TLVs. HAProxy's own TLVs
    /// (ALPN, authority, SSL, unique id) stay far below this.
    /// </summary>
    public const int MaxVersion2Length = 16 + 2048;

    private const int Version2FixedLength = 16;

    /// <summary>The twelve octets that open a version 2 header; no SMTP client sends them.</summary>
    public static ReadOnlySpan<byte> Version2Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    private static ReadOnlySpan<byte> Version1Prefix => "PROXY "u8;

    public static ProxyHeaderStatus TryParse(ref SequenceReader<byte> reader, out ProxyHeader header, out ProxyHeaderRejection rejection)
    {
        header = default;
        rejection = default;
        if (reader.End)
        {
            return ProxyHeaderStatus.Incomplete;
        }

        reader.TryPeek(out byte first);
        return first switch
        {
            (byte)'P' => TryParseVersion1(ref reader, out header, out rejection),
            0x0D => TryParseVersion2(ref reader, out header, out rejection),
            _ => Reject(ProxyHeaderRejection.NotAProxyHeader, out rejection),
        };
    }

    /// <summary>
    /// How far <paramref name="start"/> (a connection's first octets) matches "PROXY " or the
    /// version 2 signature: the test for a header from a client that is not a listed balancer.
    /// </summary>
    public static ProxyHeaderStart MatchStart(ReadOnlySpan<byte> start) =>
        Match(start, Version1Prefix) is var v1 && v1 == ProxyHeaderStart.Full ? v1
        : Match(start, Version2Signature) is var v2 && v2 == ProxyHeaderStart.Full ? v2
        : v1 == ProxyHeaderStart.Partial || v2 == ProxyHeaderStart.Partial ? ProxyHeaderStart.Partial
        : ProxyHeaderStart.None;

    private static ProxyHeaderStart Match(ReadOnlySpan<byte> start, ReadOnlySpan<byte> opening)
    {
        int n = Math.Min(start.Length, opening.Length);
        return n == 0 || !start[..n].SequenceEqual(opening[..n]) ? ProxyHeaderStart.None
            : n == opening.Length ? ProxyHeaderStart.Full
            : ProxyHeaderStart.Partial;
    }

    private static ProxyHeaderStatus TryParseVersion1(ref SequenceReader<byte> reader, out ProxyHeader header, out ProxyHeaderRejection rejection)
    {
        header = default;
        rejection = default;
        Span<byte> copy = stackalloc byte[MaxVersion1Length];
        ReadOnlySequence<byte> window = reader.UnreadSequence.Slice(0, Math.Min(reader.Remaining, MaxVersion1Length));
        window.CopyTo(copy);
        ReadOnlySpan<byte> line = copy[..(int)window.Length];

        int prefix = Math.Min(line.Length, Version1Prefix.Length);
        if (!line[..prefix].SequenceEqual(Version1Prefix[..prefix]))
        {
            return Reject(ProxyHeaderRejection.NotAProxyHeader, out rejection);
        }

        int end = line.IndexOf("\r\n"u8);
        if (end < 0)
        {
            // Incomplete inside the cap is only waiting; at the cap it is too long. A bare LF is
            // never part of a header, so it ends the wait too.
            return line.Length >= MaxVersion1Length ? Reject(ProxyHeaderRejection.LineTooLong, out rejection)
                : line.IndexOf((byte)'\n') >= 0 ? Reject(ProxyHeaderRejection.MalformedLine, out rejection)
                : ProxyHeaderStatus.Incomplete;
        }

        if (!TryParseVersion1Fields(line[Version1Prefix.Length..end], out header))
        {
            return Reject(ProxyHeaderRejection.MalformedLine, out rejection);
        }

        reader.Advance(end + 2);
        return ProxyHeaderStatus.Parsed;
    }

    /// <summary>"TCP4 SRC DST SPORT DPORT", "TCP6 ..." or "UNKNOWN[ anything]".</summary>
    private static bool TryParseVersion1Fields(ReadOnlySpan<byte> fields, out ProxyHeader header)
    {
        header = default;
        if (fields.StartsWith("UNKNOWN"u8) && (fields.Length == 7 || fields[7] == (byte)' '))
        {
            return true;
        }

        AddressFamily family = fields.StartsWith("TCP4 "u8) ? AddressFamily.InterNetwork
            : fields.StartsWith("TCP6 "u8) ? AddressFamily.InterNetworkV6
            : AddressFamily.Unknown;
        if (family == AddressFamily.Unknown)
        {
            return false;
        }

        ReadOnlySpan<byte> rest = fields[5..];
        if (!TryTakeField(ref rest, out ReadOnlySpan<byte> sourceText) || !TryTakeField(ref rest, out ReadOnlySpan<byte> destinationText)
            || !TryTakeField(ref rest, out ReadOnlySpan<byte> sourcePortText) || !TryTakeField(ref rest, out ReadOnlySpan<byte> destinationPortText)
            || !rest.IsEmpty
            || !TryParseAddress(sourceText, family, out IPAddress? source)
            || !TryParseAddress(destinationText, family, out _)
            || !TryParsePort(sourcePortText, out int sourcePort)
            || !TryParsePort(destinationPortText, out _))
        {
            return false;
        }

        header = new ProxyHeader(new IPEndPoint(source!, sourcePort));
        return true;
    }

    /// <summary>The next field up to a single space (or the end); an empty field is malformed.</summary>
    private static bool TryTakeField(ref ReadOnlySpan<byte> rest, out ReadOnlySpan<byte> field)
    {
        int space = rest.IndexOf((byte)' ');
        field = space < 0 ? rest : rest[..space];
        rest = space < 0 ? default : rest[(space + 1)..];
        return !field.IsEmpty && (space < 0 || !rest.IsEmpty);
    }

    private static bool TryParseAddress(ReadOnlySpan<byte> text, AddressFamily family, out IPAddress? address)
    {
        address = null;
        Span<char> chars = stackalloc char[45];
        if (text.Length is 0 or > 45)
        {
            return false;
        }

        for (int i = 0; i < text.Length; i++)
        {
            chars[i] = (char)text[i];
        }

        // IPAddress.TryParse also takes "1" or "0x7f.1" for IPv4; the header has dotted quads only.
        return IPAddress.TryParse(chars[..text.Length], out address) && address.AddressFamily == family
            && (family == AddressFamily.InterNetworkV6 || text.Count((byte)'.') == 3);
    }

    /// <summary>A decimal port without a sign or leading zeros (the specification's form), 0 to 65535.</summary>
    private static bool TryParsePort(ReadOnlySpan<byte> text, out int port) =>
        Utf8Parser.TryParse(text, out port, out int consumed) && consumed == text.Length
        && text.Length is > 0 and <= 5 && (text[0] != (byte)'0' || text.Length == 1) && text[0] != (byte)'+' && text[0] != (byte)'-'
        && port is >= 0 and <= 65535;

    private static ProxyHeaderStatus TryParseVersion2(ref SequenceReader<byte> reader, out ProxyHeader header, out ProxyHeaderRejection rejection)
    {
        header = default;
        rejection = default;
        Span<byte> fixedPart = stackalloc byte[Version2FixedLength];
        int available = (int)Math.Min(reader.Remaining, Version2FixedLength);
        reader.UnreadSequence.Slice(0, available).CopyTo(fixedPart);
        ReadOnlySpan<byte> signature = Version2Signature;
        int compared = Math.Min(available, signature.Length);
        if (!fixedPart[..compared].SequenceEqual(signature[..compared]))
        {
            return Reject(ProxyHeaderRejection.NotAProxyHeader, out rejection);
        }

        if (available < Version2FixedLength)
        {
            return ProxyHeaderStatus.Incomplete;
        }

        byte versionCommand = fixedPart[12];
        bool local = versionCommand == 0x20;
        if (versionCommand is not (0x20 or 0x21))
        {
            return Reject(ProxyHeaderRejection.UnsupportedVersion, out rejection);
        }

        byte familyProtocol = fixedPart[13];
        int length = BinaryPrimitives.ReadUInt16BigEndian(fixedPart[14..]);
        if (Version2FixedLength + length > MaxVersion2Length)
        {
            return Reject(ProxyHeaderRejection.TooLong, out rejection);
        }

        if (reader.Remaining < Version2FixedLength + length)
        {
            return ProxyHeaderStatus.Incomplete;
        }

        // LOCAL: the balancer speaking for itself (health checks); the address block is ignored.
        // AF_UNSPEC: the balancer does not know the client; the connection is taken as its own.
        if (!local && familyProtocol != 0x00)
        {
            int addressLength = familyProtocol switch
            {
                0x11 => 12,   // TCP over IPv4: two addresses of 4, two ports
                0x21 => 36,   // TCP over IPv6: two addresses of 16, two ports
                _ => -1,      // datagrams and AF_UNIX have no SMTP client address to give
            };
            if (addressLength < 0 || length < addressLength)
            {
                return Reject(ProxyHeaderRejection.UnsupportedAddress, out rejection);
            }

            Span<byte> addresses = stackalloc byte[36];
            reader.UnreadSequence.Slice(Version2FixedLength, addressLength).CopyTo(addresses);
            int size = addressLength == 12 ? 4 : 16;
            var source = new IPAddress(addresses[..size]);
            int sourcePort = BinaryPrimitives.ReadUInt16BigEndian(addresses[(2 * size)..]);
            header = new ProxyHeader(new IPEndPoint(source, sourcePort));
        }

        reader.Advance(Version2FixedLength + length);
        return ProxyHeaderStatus.Parsed;
    }

    private static ProxyHeaderStatus Reject(ProxyHeaderRejection why, out ProxyHeaderRejection rejection)
    {
        rejection = why;
        return ProxyHeaderStatus.Rejected;
    }
}
