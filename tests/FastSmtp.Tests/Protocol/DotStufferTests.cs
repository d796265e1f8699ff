using System.Buffers;
using System.Text;
using FastSmtp.Protocol;

namespace FastSmtp.Tests.Protocol;

public class DotStufferTests
{
    [Theory]
    [InlineData("a\r\nb\r\n", "a\r\nb\r\n.\r\n")]
    [InlineData(".a\r\n..b\r\nc.\r\n", "..a\r\n...b\r\nc.\r\n.\r\n")]
    [InlineData("no final line end", "no final line end\r\n.\r\n")]
    [InlineData("", ".\r\n")]
    [InlineData(".\r\n", "..\r\n.\r\n")]
    public void Stuffing_is_added_and_the_end_marked(string body, string wire)
    {
        Assert.Equal(wire, Stuff(Encoding.ASCII.GetBytes(body), cut: 0));
    }

    [Theory]
    [InlineData(".a\r\n.b\r\n")]
    [InlineData("x\r\n.\r\n.y")]
    public void A_line_start_split_across_chunks_is_still_stuffed(string body)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(body);
        string whole = Stuff(bytes, cut: 0);
        for (int cut = 1; cut < bytes.Length; cut++)
        {
            Assert.Equal(whole, Stuff(bytes, cut));
        }
    }

    [Fact]
    public void Stuffing_then_the_receivers_decoder_gives_the_body_back()
    {
        byte[] body = Encoding.ASCII.GetBytes(".one\r\n..two\r\n.\r\nthree.\r\n");
        byte[] wire = Encoding.ASCII.GetBytes(Stuff(body, cut: 0));

        var decoder = new DataDecoder();
        decoder.Reset();
        var sink = new CollectingSink(new ArrayBufferWriter<byte>());
        Assert.True(decoder.Decode(new ReadOnlySequence<byte>(wire), ref sink, out _));
        Assert.Equal(body, sink.Output.WrittenSpan.ToArray());
    }

    private static string Stuff(byte[] body, int cut)
    {
        var output = new ArrayBufferWriter<byte>();
        var stuffer = new DotStuffer();
        stuffer.Write(body.AsSpan(0, cut), output);
        stuffer.Write(body.AsSpan(cut), output);
        stuffer.Complete(output);
        return Encoding.ASCII.GetString(output.WrittenSpan);
    }

    private readonly struct CollectingSink(ArrayBufferWriter<byte> output) : IContentSink
    {
        public ArrayBufferWriter<byte> Output => output;

        public void Append(ReadOnlySpan<byte> content) => output.Write(content);
    }
}
