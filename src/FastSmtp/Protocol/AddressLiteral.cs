using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FastSmtp.Protocol;

/// <summary>
/// An address literal in place of a domain (RFC 5321 4.1.3): "[" four decimal octets "]" or
/// "[IPv6:" an IPv6 address "]". The one reading of it for the MAIL/RCPT parser, the relay rule
/// and the router: IPAddress.TryParse alone would take shorthand such as [127.1] that RFC 5321 does not.
/// </summary>
public static class AddressLiteral
{
    public static bool TryParse(ReadOnlySpan<byte> literal, [NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        if (literal.Length < 3 || literal[0] != (byte)'[' || literal[^1] != (byte)']')
        {
            return false;
        }

        ReadOnlySpan<byte> inner = literal[1..^1];
        if (Ascii.EqualsIgnoreCase(inner[..Math.Min(5, inner.Length)], "IPv6:"u8))
        {
            if (IPAddress.TryParse(inner[5..], out address) && address.AddressFamily == AddressFamily.InterNetworkV6)
            {
                return true;
            }

            address = null;
            return false;
        }

        int parts = 0;
        foreach (Range range in inner.Split((byte)'.'))
        {
            ReadOnlySpan<byte> part = inner[range];
            if (++parts > 4 || part.Length is 0 or > 3 || !System.Buffers.Text.Utf8Parser.TryParse(part, out byte _, out int consumed) || consumed != part.Length)
            {
                return false;
            }
        }

        return parts == 4 && IPAddress.TryParse(inner, out address);
    }

    public static bool TryParse(string literal, [NotNullWhen(true)] out IPAddress? address) =>
        TryParse(Encoding.UTF8.GetBytes(literal), out address);
}
