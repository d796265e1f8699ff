using FastSmtp.Testing;
using System.Buffers;
using System.Text;
using FastSmtp.Protocol;

namespace FastSmtp.Tests.Protocol;

public class DataDecoderTests
{
    public static TheoryData<string, string, bool> Messages => new()
    {
        // wire, decoded content, bare line ending seen
        { ".\r\n", "", false },
        { "Subject: x\r\n\r\nbody\r\n.\r\n", "Subject: x\r\n\r\nbody\r\n", false },
        { "..leading dot\r\n.\r\n", ".leading dot\r\n", false },
        { "...\r\n.\r\n", "..\r\n", false },
        { ".x\r\n.\r\n", "x\r\n", false },
        { "a.\r\n.b\r\n.\r\n", "a.\r\nb\r\n", false },
        { "bare\nLF\r\n.\r\n", "bare\nLF\r\n", true },
        { "bare\rCR\r\n.\r\n", "bare\rCR\r\n", true },
        { "ends in cr\r\r\n.\r\n", "ends in cr\r\r\n", true },
        { "one\n.\nnot the end\r\n.\r\n", "one\n.\nnot the end\r\n", true },
        { "one\n.\r\nnot the end\r\n.\r\n", "one\n.\r\nnot the end\r\n", true },
        { "one\r.\rnot the end\r\n.\r\n", "one\r.\rnot the end\r\n", true },
        { "dot cr x\r\n.\rx\r\n.\r\n", "dot cr x\r\n\rx\r\n", true },
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public void Decodes_a_message(string wire, string content, bool bare)
    {
        (bool ended, string decoded, long consumed, bool sawBare) = Decode(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(wire)));

        Assert.True(ended);
        Assert.Equal(content, decoded);
        Assert.Equal(wire.Length, consumed);
        Assert.Equal(bare, sawBare);
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void Any_split_decodes_as_unsplit(string wire, string content, bool bare)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(wire);
        for (int cut = 1; cut < bytes.Length; cut++)
        {
            for (int second = cut; second < bytes.Length; second += 3)
            {
                (bool ended, string decoded, long consumed, bool sawBare) = Decode(Segments.Split(bytes, cut, second));
                Assert.True(ended);
                Assert.Equal(content, decoded);
                Assert.Equal(wire.Length, consumed);
                Assert.Equal(bare, sawBare);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void Data_arriving_in_separate_reads_decodes_as_unsplit(string wire, string content, bool bare)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(wire);
        for (int cut = 1; cut < bytes.Length; cut++)
        {
            var decoder = new DataDecoder();
            decoder.Reset();
            var sink = new StringSink(new StringBuilder());
            Assert.False(decoder.Decode(new ReadOnlySequence<byte>(bytes, 0, cut), ref sink, out _));
            Assert.True(decoder.Decode(new ReadOnlySequence<byte>(bytes, cut, bytes.Length - cut), ref sink, out _));
            Assert.Equal(content, sink.Builder.ToString());
            Assert.Equal(bare, decoder.SawBareLineEnding);
        }
    }

    [Theory]
    [InlineData("no end yet\r\n")]
    [InlineData("no end\r\n.")]
    [InlineData("no end\r\n.\r")]
    [InlineData("lf only\n.\n")]
    [InlineData("cr only\r.\r")]
    public void Only_crlf_dot_crlf_ends_the_data(string wire)
    {
        (bool ended, _, long consumed, _) = Decode(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(wire)));

        Assert.False(ended);
        Assert.Equal(wire.Length, consumed);
    }

    [Fact]
    public void Stops_right_after_the_terminator_leaving_pipelined_commands()
    {
        byte[] bytes = "hello\r\n.\r\nQUIT\r\n"u8.ToArray();
        (bool ended, string decoded, long consumed, _) = Decode(Segments.EveryByte(bytes));

        Assert.True(ended);
        Assert.Equal("hello\r\n", decoded);
        Assert.Equal(bytes.Length - "QUIT\r\n".Length, consumed);
    }

    [Fact]
    public void Long_lines_pass_through_unchanged()
    {
        string line = new('x', 5000);
        (bool ended, string decoded, _, bool bare) = Decode(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(line + "\r\n.\r\n")));

        Assert.True(ended);
        Assert.Equal(line + "\r\n", decoded);
        Assert.False(bare);
    }

    [Theory]
    [InlineData("a\0b\r\n.\r\n", true)]
    [InlineData("\0\r\n.\r\n", true)]
    [InlineData(".\0\r\n.\r\n", true)]
    [InlineData("no nul\r\n.\r\n", false)]
    public void A_nul_is_noted_wherever_the_input_is_split(string wire, bool nul)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(wire);
        for (int cut = 1; cut < bytes.Length; cut++)
        {
            var decoder = new DataDecoder();
            decoder.Reset();
            var sink = new StringSink(new StringBuilder());
            Assert.True(decoder.Decode(Segments.Split(bytes, cut), ref sink, out _));
            Assert.Equal(nul, decoder.SawNul);
            Assert.False(decoder.SawBareLineEnding);
        }
    }

    private static (bool Ended, string Decoded, long Consumed, bool SawBare) Decode(ReadOnlySequence<byte> input)
    {
        var decoder = new DataDecoder();
        decoder.Reset();
        var sink = new StringSink(new StringBuilder());
        bool ended = decoder.Decode(input, ref sink, out SequencePosition consumed);
        return (ended, sink.Builder.ToString(), input.Slice(0, consumed).Length, decoder.SawBareLineEnding);
    }

    private readonly struct StringSink(StringBuilder builder) : IContentSink
    {
        public StringBuilder Builder => builder;

        public void Append(ReadOnlySpan<byte> content) => builder.Append(Encoding.Latin1.GetString(content));
    }
}
