using FastSmtp.Testing;
using System.Buffers;
using System.Text;
using FastSmtp.Protocol;

namespace FastSmtp.Tests.Protocol;

public class SmtpCommandParserTests
{
    public static TheoryData<string, string> ValidLines => new()
    {
        { "HELO client.example\r\n", "Helo|client.example" },
        { "EHLO client.example\r\n", "Ehlo|client.example" },
        { "MAIL FROM:<fred@widget.com> SIZE=1000\r\n", "Mail|FROM:<fred@widget.com> SIZE=1000" },
        { "RCPT TO:<bob@mail5.foo.com>\r\n", "Rcpt|TO:<bob@mail5.foo.com>" },
        { "DATA\r\n", "Data|" },
        { "BDAT 100 LAST\r\n", "Bdat|100 LAST" },
        { "RSET\r\n", "Rset|" },
        { "NOOP\r\n", "Noop|" },
        { "QUIT\r\n", "Quit|" },
        { "VRFY fred\r\n", "Vrfy|fred" },
        { "EXPN staff\r\n", "Expn|staff" },
        { "HELP\r\n", "Help|" },
        { "STARTTLS\r\n", "StartTls|" },
        { "AUTH PLAIN\r\n", "Auth|PLAIN" },
        { "mail from:<a@b.c>\r\n", "Mail|from:<a@b.c>" },
        { "StArTtLs\r\n", "StartTls|" },
        { "XYZZ something\r\n", "Unknown|XYZZ something" },
        { "MAILFROM:<a@b.c>\r\n", "Unknown|MAILFROM:<a@b.c>" },
        { "DATAX\r\n", "Unknown|DATAX" },
        { "STARTTLSX\r\n", "Unknown|STARTTLSX" },
        { "STAR\r\n", "Unknown|STAR" },
        { "QU\r\n", "Unknown|QU" },
        { "\r\n", "Unknown|" },
    };

    [Theory]
    [MemberData(nameof(ValidLines))]
    public void Parses_a_complete_line(string line, string expected)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(line);
        (bool parsed, long consumed, List<string> calls) = Parse(new ReadOnlySequence<byte>(bytes));

        Assert.True(parsed);
        Assert.Equal(bytes.Length, consumed);
        Assert.Equal([expected], calls);
    }

    [Theory]
    [MemberData(nameof(ValidLines))]
    public void Every_prefix_is_incomplete_and_consumes_nothing(string line, string _)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(line);
        for (int length = 0; length < bytes.Length; length++)
        {
            (bool parsed, long consumed, List<string> calls) = Parse(new ReadOnlySequence<byte>(bytes, 0, length));

            Assert.False(parsed, $"prefix of {length} octets");
            Assert.Equal(0, consumed);
            Assert.Empty(calls);
        }
    }

    [Theory]
    [MemberData(nameof(ValidLines))]
    public void Multi_segment_input_parses_as_unsplit(string line, string expected)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(line);
        for (int cut = 1; cut < bytes.Length; cut++)
        {
            (bool parsed, long consumed, List<string> calls) = Parse(Segments.Split(bytes, cut));
            Assert.True(parsed);
            Assert.Equal(bytes.Length, consumed);
            Assert.Equal([expected], calls);
        }

        (bool everyByteParsed, _, List<string> everyByteCalls) = Parse(Segments.EveryByte(bytes));
        Assert.True(everyByteParsed);
        Assert.Equal([expected], everyByteCalls);
    }

    [Theory]
    [InlineData(511)]
    [InlineData(512)]
    public void A_line_of_up_to_512_octets_including_crlf_is_a_command(int total)
    {
        byte[] line = NoopLine(total);
        (bool parsed, long consumed, List<string> calls) = Parse(new ReadOnlySequence<byte>(line));

        Assert.True(parsed);
        Assert.Equal(total, consumed);
        Assert.StartsWith("Noop|", Assert.Single(calls));
    }

    [Theory]
    [InlineData(513)]
    [InlineData(1_000_000)]
    public void A_longer_line_is_rejected_after_exactly_512_octets(int total)
    {
        byte[] line = NoopLine(total);
        (bool parsed, long consumed, List<string> calls) = Parse(new ReadOnlySequence<byte>(line));

        Assert.True(parsed);
        Assert.Equal(SmtpCommandParser.MaxCommandLineLength, consumed);
        Assert.Equal(["rejected|LineTooLong"], calls);
    }

    [Fact]
    public void An_unterminated_line_at_the_limit_is_too_long_even_across_segments()
    {
        byte[] data = Enumerable.Repeat((byte)'a', 600).ToArray();
        (bool parsed, long consumed, List<string> calls) = Parse(Segments.Split(data, 100, 300, 511, 513));

        Assert.True(parsed);
        Assert.Equal(512, consumed);
        Assert.Equal(["rejected|LineTooLong"], calls);
    }

    [Fact]
    public void An_unterminated_line_under_the_limit_waits_for_more()
    {
        byte[] data = Enumerable.Repeat((byte)'a', 511).ToArray();
        (bool parsed, long consumed, List<string> calls) = Parse(new ReadOnlySequence<byte>(data));

        Assert.False(parsed);
        Assert.Equal(0, consumed);
        Assert.Empty(calls);
    }

    [Theory]
    [InlineData("NOOP\n")]
    [InlineData("MAIL FROM:<a@b.c>\n")]
    public void A_line_ending_in_bare_lf_is_rejected(string line)
    {
        (bool parsed, long consumed, List<string> calls) = Parse(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(line)));

        Assert.True(parsed);
        Assert.Equal(line.Length, consumed);
        Assert.Equal(["rejected|BareLineFeed"], calls);
    }

    [Fact]
    public void Pipelined_lines_are_read_one_at_a_time()
    {
        byte[] bytes = "MAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nDATA\r\nQU"u8.ToArray();
        var reader = new SequenceReader<byte>(Segments.Split(bytes, 7, 25, 40));
        var calls = new List<string>();
        var handler = new RecordingHandler(calls);

        while (SmtpCommandParser.TryParseCommand(ref reader, ref handler))
        {
        }

        Assert.Equal(["Mail|FROM:<a@b.c>", "Rcpt|TO:<d@e.f>", "Data|"], calls);
        Assert.Equal(2, reader.Remaining);
    }

    [Fact]
    public void Non_ascii_and_binary_bytes_are_an_unknown_command_not_a_crash()
    {
        byte[] bytes = [0xFF, 0x00, 0xC3, 0xA9, 0x80, (byte)'\r', (byte)'\n'];
        (bool parsed, _, List<string> calls) = Parse(new ReadOnlySequence<byte>(bytes));

        Assert.True(parsed);
        Assert.StartsWith("Unknown|", Assert.Single(calls));
    }

    [Fact]
    public void Parsing_and_dispatching_allocates_nothing()
    {
        byte[] single = "MAIL FROM:<fred@widget.com> SIZE=1000\r\nRCPT TO:<bob@foo.com>\r\nDATA\r\n"u8.ToArray();
        ReadOnlySequence<byte> multi = Segments.Split(single, 5, 20, 45, 60);
        var handler = new CountingHandler();

        long allocated = Allocations.LeastPerRound(() =>
        {
            for (int i = 0; i < 1000; i++)
            {
                ParseAll(new ReadOnlySequence<byte>(single), ref handler);
                ParseAll(multi, ref handler);
            }
        });

        Assert.Equal(0, allocated);
        Assert.Equal(3 * 2 * 1000 * (1 + Allocations.Rounds), handler.Commands);
    }

    private static void ParseAll(ReadOnlySequence<byte> input, ref CountingHandler handler)
    {
        var reader = new SequenceReader<byte>(input);
        while (SmtpCommandParser.TryParseCommand(ref reader, ref handler))
        {
        }
    }

    private static byte[] NoopLine(int total)
    {
        byte[] line = new byte[total];
        "NOOP "u8.CopyTo(line);
        line.AsSpan(5, total - 7).Fill((byte)'x');
        line[^2] = (byte)'\r';
        line[^1] = (byte)'\n';
        return line;
    }

    private static (bool Parsed, long Consumed, List<string> Calls) Parse(ReadOnlySequence<byte> input)
    {
        var reader = new SequenceReader<byte>(input);
        var calls = new List<string>();
        var handler = new RecordingHandler(calls);
        bool parsed = SmtpCommandParser.TryParseCommand(ref reader, ref handler);
        return (parsed, reader.Consumed, calls);
    }

    private struct CountingHandler : ISmtpCommandHandler
    {
        public int Commands;

        public void OnCommand(SmtpVerb verb, ReadOnlySpan<byte> arguments) => Commands += verb == SmtpVerb.Unknown ? 0 : 1;

        public void OnRejected(CommandRejection rejection)
        {
        }
    }
}
