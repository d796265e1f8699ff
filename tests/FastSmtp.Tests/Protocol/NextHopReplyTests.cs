using FastSmtp.Protocol;

namespace FastSmtp.Tests.Protocol;

public class NextHopReplyTests
{
    [Fact]
    public void A_reply_is_written_code_then_text_and_an_unreadable_one_as_its_reason()
    {
        Assert.Equal("250 2.0.0 Ok", new NextHopReply(250, "2.0.0 Ok").ToString());
        Assert.Equal("connection closed by the next hop", NextHopReply.Unreadable("connection closed by the next hop").ToString());
    }

    [Fact]
    public void The_line_a_client_made_is_used_as_it_is_and_does_not_count_for_equality()
    {
        const string line = "250 2.0.0 Ok";
        var read = new NextHopReply(250, "2.0.0 Ok") { Line = line };

        Assert.Same(line, read.ToString());
        Assert.Equal(new NextHopReply(250, "2.0.0 Ok"), read);
        Assert.Equal(new NextHopReply(250, "2.0.0 Ok").GetHashCode(), read.GetHashCode());
        Assert.NotEqual(new NextHopReply(251, "2.0.0 Ok"), read);
    }

    [Fact]
    public void Changing_the_text_or_the_code_forgets_the_line()
    {
        var read = new NextHopReply(0, "connect failed") { Line = "connect failed" };

        Assert.Equal("4.4.1 connect failed", (read with { Text = "4.4.1 connect failed" }).ToString());
        Assert.Equal("421 connect failed", (read with { Code = 421 }).ToString());
    }
}
