using Microsoft.Extensions.Time.Testing;

namespace FastSmtp.Tests.Session;

/// <summary>Backpressure: past the queue's bound, MAIL is answered late, never refused; on a fake clock.</summary>
public class InflowDelayTests
{
    [Fact]
    public async Task Past_the_bound_mail_waits_the_delay_and_pipelined_commands_keep_their_order()
    {
        var time = new FakeTimeProvider();
        await using var session = new SessionHarness(o => (o.InflowDelayBacklog, o.InflowDelay) = (100, TimeSpan.FromSeconds(1)), time: time);
        session.Store.Backlog = 100;
        await session.GreetAsync();

        await session.SendAsync("MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\n");
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => session.ReadReplyAsync(TimeSpan.FromMilliseconds(200)));

        time.Advance(TimeSpan.FromMilliseconds(999));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => session.ReadReplyAsync(TimeSpan.FromMilliseconds(200)));
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal("250 2.1.0 Ok\r\n", await session.ReadReplyAsync());
        Assert.Equal("250 2.1.5 Ok\r\n", await session.ReadReplyAsync());

        // Once the queue is back under its bound, no wait.
        session.Store.Backlog = 99;
        Assert.StartsWith("354", await session.CommandAsync("DATA"));
        Assert.StartsWith("250", await session.CommandAsync("Subject: late\r\n\r\nbody\r\n."));
        Assert.Equal("250 2.1.0 Ok\r\n", await session.CommandAsync("MAIL FROM:<a@b.example>"));
        Assert.Single(session.Store.Messages);
    }

    [Fact]
    public async Task Zero_turns_it_off()
    {
        await using var session = new SessionHarness(o => o.InflowDelayBacklog = 0, time: new FakeTimeProvider());
        session.Store.Backlog = int.MaxValue;
        await session.GreetAsync();

        Assert.Equal("250 2.1.0 Ok\r\n", await session.CommandAsync("MAIL FROM:<a@b.example>"));
    }
}
