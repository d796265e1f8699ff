using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Text;
using FastSmtp.Protocol;
using FastSmtp.Testing;

namespace FastSmtp.Tests.Protocol;

public class ProxyHeaderParserTests
{
    /// <summary>Valid headers and the client each names ("" for the balancer's own connection).</summary>
    public static TheoryData<byte[], string> Headers => new()
    {
        { Ascii("PROXY TCP4 198.51.100.7 192.0.2.1 56324 25\r\n"), "198.51.100.7:56324" },
        { Ascii("PROXY TCP6 2001:db8::7 2001:db8::1 4000 25\r\n"), "[2001:db8::7]:4000" },
        { Ascii("PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n"), "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535" },
        { Ascii("PROXY UNKNOWN\r\n"), "" },
        { Ascii("PROXY UNKNOWN ffff:f::1 ffff:f::2 1 2\r\n"), "" },
        { Version2(0x21, 0x11, [198, 51, 100, 7, 192, 0, 2, 1, 0xDC, 0x04, 0, 25]), "198.51.100.7:56324" },
        { Version2(0x21, 0x21, [.. IPAddress.Parse("2001:db8::7").GetAddressBytes(), .. IPAddress.Parse("2001:db8::1").GetAddressBytes(), 0x0F, 0xA0, 0, 25]), "[2001:db8::7]:4000" },
        { Version2(0x21, 0x11, [198, 51, 100, 7, 192, 0, 2, 1, 0xDC, 0x04, 0, 25, /* TLV: ALPN "smtp" */ 0x01, 0, 4, (byte)'s', (byte)'m', (byte)'t', (byte)'p']), "198.51.100.7:56324" },
        { Version2(0x20, 0x00, []), "" },
        { Version2(0x20, 0x11, [1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 0, 2]), "" },
        { Version2(0x21, 0x00, []), "" },
    };

    public static TheoryData<byte[], ProxyHeaderRejection> Malformed => new()
    {
        { Ascii("EHLO client.example\r\n"), ProxyHeaderRejection.NotAProxyHeader },
        { Ascii("PROXX TCP4 1.2.3.4 5.6.7.8 1 2\r\n"), ProxyHeaderRejection.NotAProxyHeader },
        { Ascii("PROXY TCP4 198.51.100.7 192.0.2.1 56324\r\n"), ProxyHeaderRejection.MalformedLine },
        { Ascii("PROXY TCP4 198.51.100.7 192.0.2.1 56324 25 9\r\n"), ProxyHeaderRejection.MalformedLine },
        { Ascii("PROXY TCP4 2001:db8::7 192.0.2.1 56324 25\r\n"), ProxyHeaderRejection.MalformedLine },
        { Ascii("PROXY TCP6 198.51.100.7 2001:db8::1 56324 25\r\n"), ProxyHeaderRejection.MalformedLine },
        { Ascii("PROXY TCP4 1 192.0.2.1 56324 25\r\n"), ProxyHeaderRejection.MalformedLine },
        { Ascii("PROXY TCP4 198.51.100.7 192.0.2.1 65536 25\r\n"), ProxyHeaderRejection.MalformedLine },
        { Ascii("PROXY TCP4 198.51.100.7 192.0.2.1 0056 25\r\n"), ProxyHeaderRejection.MalformedLine },
        { Ascii("PROXY TCP4 198.51.100.7 192.0.2.1 -1 25\r\n"), ProxyHeaderRejection.MalformedLine },
        { Ascii("PROXY TCP4  198.51.100.7 192.0.2.1 1 25\r\n"), ProxyHeaderRejection.MalformedLine },
        { Ascii("PROXY UDP4 198.51.100.7 192.0.2.1 1 25\r\n"), ProxyHeaderRejection.MalformedLine },
        { Ascii("PROXY UNKNOWNX\r\n"), ProxyHeaderRejection.MalformedLine },
        { Ascii("PROXY TCP4 198.51.100.7 192.0.2.1 1 25\n"), ProxyHeaderRejection.MalformedLine },
        { Ascii("PROXY UNKNOWN " + new string('x', 100) + "\r\n"), ProxyHeaderRejection.LineTooLong },
        { Version2(0x11, 0x11, new byte[12]), ProxyHeaderRejection.UnsupportedVersion },
        { Version2(0x22, 0x11, new byte[12]), ProxyHeaderRejection.UnsupportedVersion },
        { Version2(0x21, 0x12, new byte[12]), ProxyHeaderRejection.UnsupportedAddress },
        { Version2(0x21, 0x31, new byte[216]), ProxyHeaderRejection.UnsupportedAddress },
        { Version2(0x21, 0x11, new byte[11]), ProxyHeaderRejection.UnsupportedAddress },
        { Version2(0x21, 0x21, new byte[12]), ProxyHeaderRejection.UnsupportedAddress },
        { [.. ProxyHeaderParser.Version2Signature[..11], 0x0B, 0x21, 0x11, 0, 12, .. new byte[12]], ProxyHeaderRejection.NotAProxyHeader },
    };

    [Theory]
    [MemberData(nameof(Headers))]
    public void A_header_gives_the_client_and_consumes_only_itself(byte[] header, string client)
    {
        byte[] wire = [.. header, .. "EHLO client.example\r\n"u8];

        (ProxyHeaderStatus status, ProxyHeader parsed, _, long consumed) = Parse(new ReadOnlySequence<byte>(wire));

        Assert.Equal(ProxyHeaderStatus.Parsed, status);
        Assert.Equal(header.Length, consumed);
        Assert.Equal(client, parsed.Source?.ToString() ?? string.Empty);
    }

    [Theory]
    [MemberData(nameof(Headers))]
    public void Every_prefix_is_incomplete_and_consumes_nothing(byte[] header, string _)
    {
        for (int length = 0; length < header.Length; length++)
        {
            var prefix = Parse(new ReadOnlySequence<byte>(header, 0, length));
            Assert.True(prefix.Status == ProxyHeaderStatus.Incomplete, $"prefix of {length}: {prefix.Status}");
            Assert.Equal(0, prefix.Consumed);
        }
    }

    [Theory]
    [MemberData(nameof(Headers))]
    public void Any_split_reads_as_unsplit(byte[] header, string client)
    {
        for (int cut = 1; cut < header.Length; cut++)
        {
            (ProxyHeaderStatus status, ProxyHeader parsed, _, long consumed) = Parse(Segments.Split(header, cut, cut + 3));
            Assert.Equal(ProxyHeaderStatus.Parsed, status);
            Assert.Equal(header.Length, consumed);
            Assert.Equal(client, parsed.Source?.ToString() ?? string.Empty);
        }

        Assert.Equal(client, Parse(Segments.EveryByte(header)).Header.Source?.ToString() ?? string.Empty);
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void A_malformed_header_is_rejected_with_its_reason_split_or_not(byte[] wire, ProxyHeaderRejection reason)
    {
        (ProxyHeaderStatus status, _, ProxyHeaderRejection rejection, _) = Parse(new ReadOnlySequence<byte>(wire));
        Assert.Equal(ProxyHeaderStatus.Rejected, status);
        Assert.Equal(reason, rejection);

        (status, _, rejection, _) = Parse(Segments.EveryByte(wire));
        Assert.Equal(ProxyHeaderStatus.Rejected, status);
        Assert.Equal(reason, rejection);
    }

    [Fact]
    public void A_version_2_header_announcing_more_than_the_cap_is_rejected_before_it_arrives()
    {
        byte[] start = [.. ProxyHeaderParser.Version2Signature, 0x21, 0x11, 0xFF, 0xFF];

        (ProxyHeaderStatus status, _, ProxyHeaderRejection rejection, long consumed) = Parse(new ReadOnlySequence<byte>(start));

        Assert.Equal(ProxyHeaderStatus.Rejected, status);
        Assert.Equal(ProxyHeaderRejection.TooLong, rejection);
        Assert.Equal(0, consumed);
    }

    [Fact]
    public void A_version_1_line_without_its_end_is_too_long_at_107_octets_and_not_before()
    {
        byte[] line = Ascii("PROXY UNKNOWN " + new string('x', 200));

        Assert.Equal(ProxyHeaderStatus.Incomplete, Parse(new ReadOnlySequence<byte>(line, 0, ProxyHeaderParser.MaxVersion1Length - 1)).Status);
        Assert.Equal(ProxyHeaderRejection.LineTooLong, Parse(new ReadOnlySequence<byte>(line, 0, ProxyHeaderParser.MaxVersion1Length)).Rejection);
        Assert.Equal(ProxyHeaderStatus.Parsed, Parse(new ReadOnlySequence<byte>(Ascii("PROXY UNKNOWN " + new string('x', 91) + "\r\n"))).Status);
    }

    [Theory]
    [InlineData("", ProxyHeaderStart.None)]
    [InlineData("P", ProxyHeaderStart.Partial)]
    [InlineData("PROXY", ProxyHeaderStart.Partial)]
    [InlineData("PROXY ", ProxyHeaderStart.Full)]
    [InlineData("PROXY TCP4 1.2.3.4", ProxyHeaderStart.Full)]
    [InlineData("PROXY\r\n", ProxyHeaderStart.None)]
    [InlineData("EHLO x\r\n", ProxyHeaderStart.None)]
    [InlineData("\r\n", ProxyHeaderStart.Partial)]
    [InlineData("\r\nEHLO", ProxyHeaderStart.None)]
    public void The_opening_of_a_session_is_matched_against_both_versions(string opening, ProxyHeaderStart expected) =>
        Assert.Equal(expected, ProxyHeaderParser.MatchStart(Ascii(opening)));

    [Fact]
    public void The_whole_version_2_signature_is_a_full_match() =>
        Assert.Equal(ProxyHeaderStart.Full, ProxyHeaderParser.MatchStart([.. ProxyHeaderParser.Version2Signature, 0x21]));

    private static (ProxyHeaderStatus Status, ProxyHeader Header, ProxyHeaderRejection Rejection, long Consumed) Parse(ReadOnlySequence<byte> wire)
    {
        var reader = new SequenceReader<byte>(wire);
        ProxyHeaderStatus status = ProxyHeaderParser.TryParse(ref reader, out ProxyHeader header, out ProxyHeaderRejection rejection);
        return (status, header, rejection, reader.Consumed);
    }

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    /// <summary>A version 2 header: signature, version/command, family/protocol, length, then <paramref name="rest"/>.</summary>
    private static byte[] Version2(byte versionCommand, byte familyProtocol, byte[] rest)
    {
        byte[] length = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)rest.Length);
        return [.. ProxyHeaderParser.Version2Signature, versionCommand, familyProtocol, .. length, .. rest];
    }
}
