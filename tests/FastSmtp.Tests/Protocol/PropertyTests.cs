using System.Buffers;
using System.Text;
using CsCheck;
using FastSmtp.Protocol;
using FastSmtp.Testing;

namespace FastSmtp.Tests.Protocol;

/// <summary>
/// Properties over generated input (CsCheck, which shrinks a failure to a small example): how
/// the bytes are split must never change what the command parser, the PROXY header parser or
/// the DATA decoder report, nothing may make them throw, and dot-stuffing must round-trip.
/// </summary>
public class PropertyTests
{
    // Pieces a client (or an attacker) sends: real commands, line ends of every kind, dots,
    // NULs, runs longer than the 512-octet limit, and plain noise.
    private static readonly Gen<byte[]> Piece = Gen.OneOf(
        Gen.OneOf("EHLO client.example\r\n", "MAIL FROM:<a@b.example> SIZE=100 BODY=8BITMIME\r\n", "RCPT TO:<\"q p\"@[192.0.2.1]> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;x+2Ba@y\r\n",
            "DATA\r\n", "BDAT 10 LAST\r\n", "QUIT\r\n", "\r\n", "\n", "\r", ".", "\r\n.\r\n", "\0", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n", "AUTH PLAIN AGFAYg==\r\n")
            .Select(text => Encoding.ASCII.GetBytes(text)),
        Gen.Byte.Array[0, 40],
        Gen.Int[0, 1200].Select(n => Enumerable.Repeat((byte)'A', n).ToArray()));

    private static readonly Gen<byte[]> Wire = Piece.Array[0, 12].Select(pieces => pieces.SelectMany(p => p).ToArray());

    private static readonly Gen<(byte[] Data, int[] Cuts)> WireAndCuts =
        from data in Wire
        from cuts in Gen.Int[0, Math.Max(0, data.Length)].Array[0, 8]
        select (data, cuts);

    [Fact]
    public void Command_lines_split_anywhere_parse_as_unsplit_and_never_throw() =>
        WireAndCuts.Sample(sample =>
        {
            List<string> whole = ParseCommands(new ReadOnlySequence<byte>(sample.Data), out long consumedWhole);
            List<string> split = ParseCommands(Segments.Split(sample.Data, sample.Cuts), out long consumedSplit);
            Assert.Equal(whole, split);
            Assert.Equal(consumedWhole, consumedSplit);
        }, iter: 3000);

    [Fact]
    public void Command_lines_arriving_in_reads_parse_as_one_read() =>
        WireAndCuts.Sample(sample =>
        {
            List<string> whole = ParseCommands(new ReadOnlySequence<byte>(sample.Data), out _);

            // As the session reads: parse what has arrived, keep the unconsumed rest, append the next read.
            var calls = new List<string>();
            int start = 0;
            foreach (int arrived in sample.Cuts.Append(sample.Data.Length).Distinct().Order())
            {
                if (arrived <= start)
                {
                    continue;
                }

                calls.AddRange(ParseCommands(new ReadOnlySequence<byte>(sample.Data, start, arrived - start), out long consumed));
                start += (int)consumed;
            }

            Assert.Equal(whole, calls);
        }, iter: 3000);

    [Fact]
    public void Proxy_headers_split_anywhere_parse_as_unsplit_and_never_throw() =>
        WireAndCuts.Sample(sample =>
        {
            var wholeReader = new SequenceReader<byte>(new ReadOnlySequence<byte>(sample.Data));
            ProxyHeaderStatus whole = ProxyHeaderParser.TryParse(ref wholeReader, out ProxyHeader wholeHeader, out ProxyHeaderRejection wholeRejection);
            var splitReader = new SequenceReader<byte>(Segments.Split(sample.Data, sample.Cuts));
            ProxyHeaderStatus split = ProxyHeaderParser.TryParse(ref splitReader, out ProxyHeader splitHeader, out ProxyHeaderRejection splitRejection);
            Assert.Equal((whole, wholeHeader, wholeRejection, wholeReader.Consumed), (split, splitHeader, splitRejection, splitReader.Consumed));
        }, iter: 3000);

    [Fact]
    public void Message_data_arriving_in_reads_decodes_as_one_read() =>
        WireAndCuts.Sample(sample =>
        {
            (bool ended, string decoded, long consumed, bool bare) whole = Decode(sample.Data, []);
            Assert.Equal(whole, Decode(sample.Data, sample.Cuts));
        }, iter: 3000);

    [Fact]
    public void Dot_stuffing_then_decoding_gives_any_body_of_lines_back() =>
        Gen.Byte.Where(b => b is not ((byte)'\r' or (byte)'\n')).Array[0, 1100]
            .Select(line => Gen.OneOf(Gen.Const(line), Gen.Const((byte[])[(byte)'.', .. line])))
            .SelectMany(line => line)
            .Array[0, 20]
            .Select(lines => lines.SelectMany(line => line.Concat("\r\n"u8.ToArray())).ToArray())
            .SelectMany(body => Gen.Int[0, body.Length + 3].Array[0, 6].Select(cuts => (Body: body, Cuts: cuts)))
            .Sample(sample =>
            {
                var stuffed = new ArrayBufferWriter<byte>();
                var stuffer = new DotStuffer();
                stuffer.Write(sample.Body, stuffed);
                stuffer.Complete(stuffed);
                byte[] wire = stuffed.WrittenSpan.ToArray();

                (bool ended, string decoded, long consumed, bool bare) = Decode(wire, sample.Cuts);
                Assert.True(ended);
                Assert.False(bare);
                Assert.Equal(wire.Length, consumed);
                Assert.Equal(Encoding.Latin1.GetString(sample.Body), decoded);
            }, iter: 1000);

    private static List<string> ParseCommands(ReadOnlySequence<byte> buffer, out long consumed)
    {
        var calls = new List<string>();
        var reader = new SequenceReader<byte>(buffer);
        var handler = new RecordingHandler(calls);
        while (!reader.End && SmtpCommandParser.TryParseCommand(ref reader, ref handler))
        {
        }

        consumed = reader.Consumed;
        return calls;
    }

    /// <summary>Feeds <paramref name="data"/> to one decoder in reads ending at <paramref name="cuts"/>, as the session does.</summary>
    private static (bool Ended, string Decoded, long Consumed, bool Bare) Decode(byte[] data, int[] cuts)
    {
        var decoder = new DataDecoder();
        decoder.Reset();
        var sink = new Latin1Sink(new StringBuilder());
        long consumed = 0;
        foreach (int arrived in cuts.Where(c => c > 0 && c <= data.Length).Append(data.Length).Distinct().Order())
        {
            if (arrived <= consumed)
            {
                continue;
            }

            bool ended = decoder.Decode(new ReadOnlySequence<byte>(data, (int)consumed, arrived - (int)consumed), ref sink, out SequencePosition position);
            consumed += new ReadOnlySequence<byte>(data, (int)consumed, arrived - (int)consumed).Slice(0, position).Length;
            if (ended)
            {
                return (true, sink.Builder.ToString(), consumed, decoder.SawBareLineEnding);
            }
        }

        return (false, sink.Builder.ToString(), consumed, decoder.SawBareLineEnding);
    }

    private readonly struct Latin1Sink(StringBuilder builder) : IContentSink
    {
        public StringBuilder Builder => builder;

        public void Append(ReadOnlySpan<byte> content) => builder.Append(Encoding.Latin1.GetString(content));
    }
}
