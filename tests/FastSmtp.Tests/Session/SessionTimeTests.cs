using Microsoft.Extensions.Time.Testing;

namespace FastSmtp.Tests.Session;

/// <summary>The session's timeouts, on a fake clock: the test moves time instead of waiting for it.</summary>
public class SessionTimeTests
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task An_idle_client_is_closed_with_421_after_the_command_timeout()
    {
        var time = new FakeTimeProvider();
        DateTimeOffset start = time.GetUtcNow();
        await using var session = new SessionHarness(o => o.CommandTimeout = TimeSpan.FromMinutes(5), time: time);
        Assert.StartsWith("220", await session.ReadReplyAsync());

        Assert.Equal("421 4.4.2 mx.test Error: timeout exceeded\r\n", await session.AdvanceUntilAnsweredAsync(time, Step));
        Assert.InRange(time.GetUtcNow() - start, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5) + (2 * Step));
        await session.Run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_command_resets_the_timeout()
    {
        var time = new FakeTimeProvider();
        await using var session = new SessionHarness(o => o.CommandTimeout = TimeSpan.FromMinutes(5), time: time);
        await session.GreetAsync();

        time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal("250 2.0.0 Ok\r\n", await session.CommandAsync("NOOP"));
        time.Advance(TimeSpan.FromMinutes(4));

        Assert.Equal("250 2.0.0 Ok\r\n", await session.CommandAsync("NOOP"));
    }

    [Fact]
    public async Task A_client_below_the_minimum_data_rate_is_closed_after_the_grace_period()
    {
        var time = new FakeTimeProvider();
        DateTimeOffset start = time.GetUtcNow();
        await using var session = new SessionHarness(o => (o.MinDataRate, o.MinDataRateGrace) = (1000, TimeSpan.FromSeconds(10)), time: time);
        await session.GreetAsync();
        await session.SendAsync("MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n");
        await session.ReadRepliesAsync(3);

        // 100 octets are due within 10.1 s of the data starting; they never come.
        await session.SendAsync("Subject: slow\r\n\r\n" + new string('x', 83));
        Assert.Equal("421 4.4.2 mx.test Error: data rate too low, closing transmission channel\r\n", await session.AdvanceUntilAnsweredAsync(time, TimeSpan.FromSeconds(1)));
        Assert.InRange(time.GetUtcNow() - start, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(13));
        Assert.Empty(session.Store.Messages);
    }

    [Fact]
    public async Task A_client_keeping_up_the_data_rate_is_not_closed()
    {
        var time = new FakeTimeProvider();
        await using var session = new SessionHarness(o => (o.MinDataRate, o.MinDataRateGrace) = (100, TimeSpan.FromSeconds(10)), time: time);
        await session.GreetAsync();
        await session.SendAsync("MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n");
        await session.ReadRepliesAsync(3);

        // 200 octets a second, for 20 s of the clock: twice the minimum. Each second's octets are
        // in the message before the clock moves on; octets still in the pipe would count as late.
        for (int second = 0; second < 20; second++)
        {
            long received = session.Session.Message.Body.Length;
            await session.SendAsync(new string('x', 198) + "\r\n");
            await Eventually.TrueAsync(() => session.Session.Message.Body.Length >= received + 200);
            time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.StartsWith("250 2.0.0 Ok: queued as", await session.CommandAsync("."));
    }
}
