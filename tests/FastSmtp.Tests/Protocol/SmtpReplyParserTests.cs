using System.Buffers;
using System.Text;
using FastSmtp.Protocol;
using FastSmtp.Testing;

namespace FastSmtp.Tests.Protocol;

public class SmtpReplyParserTests
{
    public static TheoryData<string, string[]> Replies => new()
    {
        { "220 mx.example ESMTP ready\r\n", ["220||mx.example ESMTP ready|last"] },
        { "250 2.1.0 Ok\r\n", ["250|2.1.0|Ok|last"] },
        { "250-mx.example\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250 8BITMIME\r\n", ["250||mx.example|", "250||PIPELINING|", "250||SIZE 1000|", "250||8BITMIME|last"] },
        { "550-5.1.1 <u@example.test>: user\r\n550 5.1.1 unknown\r\n", ["550|5.1.1|<u@example.test>: user|", "550|5.1.1|unknown|last"] },
        { "250\r\n", ["250|||last"] },
        { "421 4.4.2 timeout\n", ["421|4.4.2|timeout|last"] },
        { "250 5.1.1 class does not match the reply\r\n", ["250||5.1.1 class does not match the reply|last"] },
        { "451 4.3.0\r\n", ["451|4.3.0||last"] },
    };

    [Theory]
    [MemberData(nameof(Replies))]
    public void Reads_a_complete_reply(string wire, string[] expected)
    {
        (bool parsed, long consumed, List<string> lines) = Parse(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(wire)));

        Assert.True(parsed);
        Assert.Equal(wire.Length, consumed);
        Assert.Equal(expected, lines);
    }

    [Theory]
    [MemberData(nameof(Replies))]
    public void Every_prefix_is_incomplete_and_consumes_nothing(string wire, string[] _)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(wire);
        for (int length = 0; length < bytes.Length; length++)
        {
            (bool parsed, long consumed, List<string> lines) = Parse(new ReadOnlySequence<byte>(bytes, 0, length));
            Assert.False(parsed, $"prefix of {length}");
            Assert.Equal(0, consumed);
            Assert.Empty(lines);
        }
    }

    [Theory]
    [MemberData(nameof(Replies))]
    public void Any_split_reads_as_unsplit(string wire, string[] expected)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(wire);
        for (int cut = 1; cut < bytes.Length; cut++)
        {
            (bool parsed, long consumed, List<string> lines) = Parse(Segments.Split(bytes, cut, cut + 3));
            Assert.True(parsed);
            Assert.Equal(bytes.Length, consumed);
            Assert.Equal(expected, lines);
        }

        Assert.Equal(expected, Parse(Segments.EveryByte(bytes)).Lines);
    }

    [Fact]
    public void Pipelined_replies_are_read_one_at_a_time()
    {
        byte[] bytes = "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 go ahead\r\n"u8.ToArray();
        var reader = new SequenceReader<byte>(Segments.Split(bytes, 5, 17, 30));
        var lines = new List<string>();
        var handler = new RecordingReplyHandler(lines);

        while (SmtpReplyParser.TryParseReply(ref reader, ref handler))
        {
        }

        Assert.Equal(["250|2.1.0|Ok|last", "250|2.1.5|Ok|last", "354||go ahead|last"], lines);
        Assert.Equal(0, reader.Remaining);
    }

    [Theory]
    [InlineData("HTTP/1.1 400 Bad Request\r\n", "NotAReply")]
    [InlineData("2500 Ok\r\n", "NotAReply")]
    [InlineData("650 Ok\r\n", "NotAReply")]
    [InlineData("25\r\n", "NotAReply")]
    [InlineData("\r\n", "NotAReply")]
    [InlineData("250-first\r\n550 second\r\n", "InconsistentCode")]
    public void Garbage_is_rejected_not_thrown(string wire, string rejection)
    {
        (bool parsed, _, List<string> lines) = Parse(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(wire)));

        Assert.True(parsed);
        Assert.Equal([$"rejected|{rejection}"], lines);
    }

    [Fact]
    public void A_ten_megabyte_reply_line_is_rejected_after_512_octets()
    {
        byte[] wire = Encoding.ASCII.GetBytes("250 " + new string('x', 10 * 1024 * 1024));
        (bool parsed, _, List<string> lines) = Parse(new ReadOnlySequence<byte>(wire));

        Assert.True(parsed);
        Assert.Equal(["rejected|LineTooLong"], lines);
    }

    [Fact]
    public void An_endless_multiline_reply_is_rejected()
    {
        string wire = string.Concat(Enumerable.Repeat("250-more\r\n", SmtpReplyParser.MaxReplyLines + 1));
        (bool parsed, _, List<string> lines) = Parse(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(wire)));

        Assert.True(parsed);
        Assert.Equal(["rejected|TooManyLines"], lines);
    }

    [Fact]
    public void Reading_replies_allocates_nothing()
    {
        byte[] wire = "250-mx.example\r\n250-PIPELINING\r\n250 2.0.0 SIZE 1000\r\n"u8.ToArray();
        ReadOnlySequence<byte> multi = Segments.Split(wire, 7, 20, 40);
        var handler = new CountingReplyHandler();

        long allocated = Allocations.LeastPerRound(() =>
        {
            for (int i = 0; i < 1000; i++)
            {
                ParseAll(new ReadOnlySequence<byte>(wire), ref handler);
                ParseAll(multi, ref handler);
            }
        });

        Assert.Equal(0, allocated);
        Assert.Equal(2000 * 3 * (1 + Allocations.Rounds), handler.Lines);
    }

    private static void ParseAll(ReadOnlySequence<byte> input, ref CountingReplyHandler handler)
    {
        var reader = new SequenceReader<byte>(input);
        while (SmtpReplyParser.TryParseReply(ref reader, ref handler))
        {
        }
    }

    private static (bool Parsed, long Consumed, List<string> Lines) Parse(ReadOnlySequence<byte> input)
    {
        var reader = new SequenceReader<byte>(input);
        var lines = new List<string>();
        var handler = new RecordingReplyHandler(lines);
        bool parsed = SmtpReplyParser.TryParseReply(ref reader, ref handler);
        return (parsed, reader.Consumed, lines);
    }

    private readonly struct RecordingReplyHandler(List<string> lines) : ISmtpReplyHandler
    {
        public void OnReplyLine(int code, EnhancedStatusCode status, ReadOnlySpan<byte> text, bool last) =>
            lines.Add($"{code}|{status}|{Encoding.ASCII.GetString(text)}|{(last ? "last" : string.Empty)}");

        public void OnRejected(ReplyRejection rejection) => lines.Add($"rejected|{rejection}");
    }

    private struct CountingReplyHandler : ISmtpReplyHandler
    {
        public int Lines;

        public void OnReplyLine(int code, EnhancedStatusCode status, ReadOnlySpan<byte> text, bool last) => Lines += code == 250 ? 1 : 0;

        public void OnRejected(ReplyRejection rejection) => Lines -= 1000;
    }
}
