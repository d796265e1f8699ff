using System.Text;
using FastSmtp.Protocol;

namespace FastSmtp.Tests.Protocol;

public class SmtpPathParserTests
{
    [Theory]
    [InlineData("FROM:<fred@widget.com>", "fred@widget.com", "")]
    [InlineData("from:<fred@widget.com>", "fred@widget.com", "")]
    [InlineData("FROM: <fred@widget.com>", "fred@widget.com", "")]
    [InlineData("FROM:<>", "", "")]
    [InlineData("FROM:<> SIZE=100", "", "SIZE=100")]
    [InlineData("FROM:<fred@widget.com> SIZE=100 BODY=8BITMIME", "fred@widget.com", "SIZE=100 BODY=8BITMIME")]
    [InlineData("FROM:fred@widget.com", "fred@widget.com", "")]
    [InlineData("FROM:<@a.example,@b.example:fred@widget.com>", "fred@widget.com", "")]
    [InlineData("FROM:<\"fred smith\"@widget.com>", "\"fred smith\"@widget.com", "")]
    [InlineData("FROM:<\"odd>char\"@widget.com>", "\"odd>char\"@widget.com", "")]
    [InlineData("FROM:<fred@[127.0.0.1]>", "fred@[127.0.0.1]", "")]
    [InlineData("FROM:<fred@[IPv6:::1]>", "fred@[IPv6:::1]", "")]
    [InlineData("FROM:<fred+tag@widget.com>", "fred+tag@widget.com", "")]
    [InlineData("FROM:<jörg@bücher.example>", "jörg@bücher.example", "")]
    public void Accepts_a_reverse_path(string arguments, string mailbox, string parameters)
    {
        PathError error = SmtpPathParser.TryParseMailFrom(Encoding.UTF8.GetBytes(arguments), out ReadOnlySpan<byte> parsedMailbox, out ReadOnlySpan<byte> parsedParameters);

        Assert.Equal(PathError.None, error);
        Assert.Equal(mailbox, Encoding.UTF8.GetString(parsedMailbox));
        Assert.Equal(parameters, Encoding.UTF8.GetString(parsedParameters));
    }

    [Theory]
    [InlineData("TO:<bob@mail5.foo.com>", "bob@mail5.foo.com")]
    [InlineData("TO:<postmaster>", "postmaster")]
    [InlineData("TO:<Postmaster>", "Postmaster")]
    [InlineData("to:<bob@foo.com> NOTIFY=NEVER", "bob@foo.com")]
    public void Accepts_a_forward_path(string arguments, string mailbox)
    {
        PathError error = SmtpPathParser.TryParseRcptTo(Encoding.UTF8.GetBytes(arguments), out ReadOnlySpan<byte> parsedMailbox, out _);

        Assert.Equal(PathError.None, error);
        Assert.Equal(mailbox, Encoding.UTF8.GetString(parsedMailbox));
    }

    [Theory]
    [InlineData("<fred@widget.com>", PathError.MissingKeyword)]
    [InlineData("FROM <fred@widget.com>", PathError.MissingKeyword)]
    [InlineData("FROM:<fred@widget.com", PathError.BadPathSyntax)]
    [InlineData("FROM:<fred@widget.com>junk", PathError.BadPathSyntax)]
    [InlineData("FROM:<fred>", PathError.BadMailbox)]
    [InlineData("FROM:<@widget.com>", PathError.BadPathSyntax)]
    [InlineData("FROM:<fred@>", PathError.BadMailbox)]
    [InlineData("FROM:<fred@widget..com>", PathError.BadMailbox)]
    [InlineData("FROM:<fred@-widget.com>", PathError.BadMailbox)]
    [InlineData("FROM:<fr ed@widget.com>", PathError.BadMailbox)]
    [InlineData("FROM:<.fred@widget.com>", PathError.BadMailbox)]
    [InlineData("FROM:<fred@[127.1]>", PathError.BadMailbox)]
    [InlineData("FROM:<fred@[300.0.0.1]>", PathError.BadMailbox)]
    [InlineData("FROM:<\"unterminated@widget.com>", PathError.BadPathSyntax)]
    [InlineData("FROM:<a<b@widget.com>", PathError.BadPathSyntax)]
    public void Refuses_a_malformed_reverse_path(string arguments, PathError expected)
    {
        Assert.Equal(expected, SmtpPathParser.TryParseMailFrom(Encoding.UTF8.GetBytes(arguments), out _, out _));
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xFE })]
    [InlineData(new byte[] { 0xC3 })]
    [InlineData(new byte[] { 0xC0, 0xAF })]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]
    public void Refuses_a_mailbox_that_is_not_utf8(byte[] invalid)
    {
        byte[] local = [.. "MAIL FROM:<"u8[5..], .. invalid, .. "@remote.test>"u8];
        byte[] domain = [.. "TO:<fred@wid"u8, .. invalid, .. "get.example>"u8];

        Assert.Equal(PathError.NotUtf8, SmtpPathParser.TryParseMailFrom(local, out _, out _));
        Assert.Equal(PathError.NotUtf8, SmtpPathParser.TryParseRcptTo(domain, out _, out _));
    }

    [Fact]
    public void Refuses_the_null_path_as_a_recipient()
    {
        Assert.Equal(PathError.BadMailbox, SmtpPathParser.TryParseRcptTo("TO:<>"u8, out _, out _));
    }

    [Fact]
    public void Refuses_over_long_parts()
    {
        string longLocal = new('a', 65);
        string longPath = "TO:<" + new string('a', 60) + "@" + string.Join('.', Enumerable.Repeat(new string('b', 60), 4)) + ">";

        Assert.Equal(PathError.TooLong, SmtpPathParser.TryParseRcptTo(Encoding.ASCII.GetBytes($"TO:<{longLocal}@widget.com>"), out _, out _));
        Assert.Equal(PathError.TooLong, SmtpPathParser.TryParseRcptTo(Encoding.ASCII.GetBytes(longPath), out _, out _));
    }

    [Fact]
    public void Enumerates_parameters_with_and_without_values()
    {
        var found = new List<string>();
        foreach (SmtpParameter parameter in new SmtpParameterEnumerator("SIZE=100  SMTPUTF8 RET=HDRS"u8))
        {
            found.Add($"{Encoding.ASCII.GetString(parameter.Keyword)}:{parameter.HasValue}:{Encoding.ASCII.GetString(parameter.Value)}");
        }

        Assert.Equal(["SIZE:True:100", "SMTPUTF8:False:", "RET:True:HDRS"], found);
    }
}
