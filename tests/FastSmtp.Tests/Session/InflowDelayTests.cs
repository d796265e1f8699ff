using Microsoft.Extensions.Time.Testing;

namespace FastSmtp.Tests.Session;

/// <summary>Backpressure: past the queue's bound, MAIL waits for delivery to catch up, never refused; on a fake clock.</summary>
public class InflowDelayTests
{
    [Fact]
    public async Task Past_the_bound_mail_waits_until_delivery_brings_the_backlog_under_it()
    {
        var time = new FakeTimeProvider();
        await using var session = new SessionHarness(o => (o.InflowDelayBacklog, o.InflowDelay) = (100, TimeSpan.FromSeconds(10)), time: time);
        session.Store.Backlog = 100;
        await session.GreetAsync();

        await session.SendAsync("MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\n");
        for (int i = 0; i < 5; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => session.ReadReplyAsync(TimeSpan.FromMilliseconds(100)));
        }

        // Delivery catches up: the next look lets MAIL through, and the pipelined RCPT after it.
        session.Store.Backlog = 99;
        Assert.Equal("250 2.1.0 Ok\r\n", await session.AdvanceUntilAnsweredAsync(time, TimeSpan.FromMilliseconds(100)));
        Assert.Equal("250 2.1.5 Ok\r\n", await session.ReadReplyAsync());
        Assert.StartsWith("354", await session.CommandAsync("DATA"));
        Assert.StartsWith("250", await session.CommandAsync("Subject: late\r\n\r\nbody\r\n."));
        Assert.Equal("250 2.1.0 Ok\r\n", await session.CommandAsync("MAIL FROM:<a@b.example>"));
        Assert.Single(session.Store.Messages);
    }

    [Fact]
    public async Task Mail_waits_at_most_the_inflow_delay_and_is_never_refused()
    {
        var time = new FakeTimeProvider();
        DateTimeOffset start = time.GetUtcNow();
        await using var session = new SessionHarness(o => (o.InflowDelayBacklog, o.InflowDelay) = (100, TimeSpan.FromSeconds(2)), time: time);
        session.Store.Backlog = 5000;
        await session.GreetAsync();

        await session.SendAsync("MAIL FROM:<a@b.example>\r\n");

        Assert.Equal("250 2.1.0 Ok\r\n", await session.AdvanceUntilAnsweredAsync(time, TimeSpan.FromMilliseconds(100)));
        Assert.InRange(time.GetUtcNow() - start, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2.2));
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
