using System.Text;
using FastSmtp.Protocol;

namespace FastSmtp.Tests.Protocol;

/// <summary>check-valid-sender's Reply-To: an RFC 5322 address list holding a real user@host mailbox.</summary>
public class MessageHeadersTests
{
    [Theory]
    [InlineData("Reply-To: fred@partner.example\r\n\r\nbody\r\n")]
    [InlineData("Subject: x\r\nreply-to: Fred <fred@partner.example>\r\n\r\n")]
    [InlineData("Reply-To:\r\n fred@partner.example\r\n\r\n")]
    [InlineData("Reply-To: Fred\r\n <fred@partner.example>\r\nSubject: folded\r\n\r\n")]
    [InlineData("Reply-To: nobody, (comment) ann@partner.example\r\n\r\n")]
    [InlineData("Reply-To: team: ann@partner.example, bob@partner.example;\r\n\r\n")]
    [InlineData("Reply-To: \"a@b\" <fred@partner.example>\r\n\r\n")]
    public void A_reply_to_holding_a_user_at_host_mailbox_counts(string headers)
    {
        Assert.True(MessageHeaders.HasReplyToAddress(Encoding.ASCII.GetBytes(headers)));
    }

    [Theory]
    [InlineData("Subject: none\r\n\r\nReply-To: fred@partner.example\r\n")]
    [InlineData("Reply-To: nobody\r\n\r\n")]
    [InlineData("Reply-To: \"a@b\" <>\r\n\r\n")]
    [InlineData("Reply-To: (a@b) nobody\r\n\r\n")]
    [InlineData("Reply-To: <@>\r\n\r\n")]
    [InlineData("Reply-To: fred@\r\n\r\n")]
    [InlineData("Reply-To: @partner.example\r\n\r\n")]
    [InlineData("X-Reply-To: fred@partner.example\r\n\r\n")]
    [InlineData("Reply-To:\r\n\r\n fred@partner.example\r\n")]
    public void A_reply_to_without_one_does_not(string headers)
    {
        Assert.False(MessageHeaders.HasReplyToAddress(Encoding.ASCII.GetBytes(headers)));
    }
}
