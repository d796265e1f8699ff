using System.Text;
using FastSmtp.Protocol;

namespace FastSmtp.Tests.Protocol;

public class SmtpParameterParserTests
{
    [Fact]
    public void Mail_parameters_are_read_with_their_values()
    {
        ParameterError error = SmtpParameterParser.TryParseMail("SIZE=1000 body=8BITMIME SMTPUTF8 RET=HDRS ENVID=QQ+2B1 AUTH=<>"u8, out MailParameters mail);

        Assert.Equal(ParameterError.None, error);
        Assert.Equal(1000, mail.Size);
        Assert.True(mail.EightBitMime);
        Assert.True(mail.SmtpUtf8);
        Assert.Equal(DsnReturn.Headers, mail.Return);
        Assert.Equal("QQ+2B1", Encoding.ASCII.GetString(mail.EnvelopeId));
    }

    [Fact]
    public void No_mail_parameters_mean_the_defaults()
    {
        Assert.Equal(ParameterError.None, SmtpParameterParser.TryParseMail(default, out MailParameters mail));
        Assert.Equal(-1, mail.Size);
        Assert.False(mail.EightBitMime);
        Assert.False(mail.SmtpUtf8);
        Assert.Equal(DsnReturn.Default, mail.Return);
        Assert.True(mail.EnvelopeId.IsEmpty);
    }

    [Theory]
    [InlineData("SIZE=", ParameterError.BadValue)]
    [InlineData("SIZE", ParameterError.BadValue)]
    [InlineData("SIZE=12x", ParameterError.BadValue)]
    [InlineData("SIZE=-1", ParameterError.BadValue)]
    [InlineData("BODY=BINARYMIME", ParameterError.BadValue)]
    [InlineData("RET=BODY", ParameterError.BadValue)]
    [InlineData("ENVID=a=b", ParameterError.BadValue)]
    [InlineData("ENVID=a+2b", ParameterError.BadValue)]
    [InlineData("ENVID=a+2", ParameterError.BadValue)]
    [InlineData("SMTPUTF8=YES", ParameterError.Unsupported)]
    [InlineData("XFORWARD=1", ParameterError.Unsupported)]
    [InlineData("BODY=7BIT XFORWARD=1", ParameterError.Unsupported)]
    public void Bad_mail_parameters_are_named(string parameters, ParameterError expected) =>
        Assert.Equal(expected, SmtpParameterParser.TryParseMail(Encoding.ASCII.GetBytes(parameters), out _));

    [Fact]
    public void An_envelope_id_may_have_100_characters_not_101()
    {
        Assert.Equal(ParameterError.None, SmtpParameterParser.TryParseMail(Encoding.ASCII.GetBytes("ENVID=" + new string('a', 100)), out _));
        Assert.Equal(ParameterError.BadValue, SmtpParameterParser.TryParseMail(Encoding.ASCII.GetBytes("ENVID=" + new string('a', 101)), out _));
    }

    [Fact]
    public void Rcpt_parameters_are_read_with_their_values()
    {
        ParameterError error = SmtpParameterParser.TryParseRcpt("NOTIFY=success,DELAY ORCPT=rfc822;fred+40example.org"u8, out RcptParameters rcpt);

        Assert.Equal(ParameterError.None, error);
        Assert.Equal(RecipientNotify.Success | RecipientNotify.Delay, rcpt.Notify);
        Assert.Equal("rfc822;fred+40example.org", Encoding.ASCII.GetString(rcpt.OriginalRecipient));
    }

    [Theory]
    [InlineData("NOTIFY=NEVER,SUCCESS", ParameterError.BadValue)]
    [InlineData("NOTIFY=", ParameterError.BadValue)]
    [InlineData("NOTIFY=SOMETIMES", ParameterError.BadValue)]
    [InlineData("ORCPT=;fred", ParameterError.BadValue)]
    [InlineData("ORCPT=rfc822", ParameterError.BadValue)]
    [InlineData("ORCPT=rfc_822;fred", ParameterError.BadValue)]
    [InlineData("ORCPT=rfc822;fr=ed", ParameterError.BadValue)]
    [InlineData("SIZE=10", ParameterError.Unsupported)]
    public void Bad_rcpt_parameters_are_named(string parameters, ParameterError expected) =>
        Assert.Equal(expected, SmtpParameterParser.TryParseRcpt(Encoding.ASCII.GetBytes(parameters), out _));

    [Fact]
    public void Never_alone_is_a_notify_value()
    {
        Assert.Equal(ParameterError.None, SmtpParameterParser.TryParseRcpt("NOTIFY=NEVER"u8, out RcptParameters rcpt));
        Assert.Equal(RecipientNotify.Never, rcpt.Notify);
    }
}
