using System.Text;
using FastSmtp.Hosting;
using FastSmtp.Session;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace FastSmtp.Tests.Session;

/// <summary>A failed AUTH is answered after its delay, on the server's clock, and a stopping server does not wait it out.</summary>
public class AuthDelayTests
{
    private static readonly string WrongPassword = "AUTH PLAIN " + Convert.ToBase64String(Encoding.ASCII.GetBytes("\0nobody@localhost\0wrong")) + "\r\n";

    [Fact]
    public async Task A_failed_auth_is_answered_only_once_the_servers_clock_has_passed_its_delay()
    {
        var time = new FakeTimeProvider();
        await using SessionHarness session = await FailAuthAsync(time);
        string? reply = null;
        for (int i = 0; i < 20 && reply is null; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            try
            {
                reply = await session.ReadReplyAsync(TimeSpan.FromMilliseconds(100));
            }
            catch (OperationCanceledException)
            {
            }
        }

        Assert.Equal("535 5.7.8 authentication failed\r\n", reply);
    }

    [Fact]
    public async Task A_stopping_server_answers_a_failed_auth_without_waiting_out_the_delay()
    {
        await using SessionHarness session = await FailAuthAsync(new FakeTimeProvider());

        session.StopServer();

        // Well inside the 10 s the delay would have taken.
        Assert.Equal("535 5.7.8 authentication failed\r\n", await session.ReadReplyAsync(TimeSpan.FromSeconds(5)));
    }

    /// <summary>A session that has sent a wrong password and, 300 ms later, still has no answer: it waits on <paramref name="time"/>.</summary>
    private static async Task<SessionHarness> FailAuthAsync(TimeProvider time)
    {
        var session = new SessionHarness(server: Server(time));
        await session.GreetAsync();
        await session.SendAsync(WrongPassword);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => session.ReadReplyAsync(TimeSpan.FromMilliseconds(300)));
        return session;
    }

    /// <summary>A server whose throttle has counted twenty failures from 127.0.0.1: the next waits 10 s, its longest delay.</summary>
    private static SmtpServerContext Server(TimeProvider time)
    {
        var failures = new AuthFailureThrottle();
        for (int i = 0; i < 20; i++)
        {
            failures.Fail(System.Net.IPAddress.Loopback);
        }

        return new(Options.Create(new SmtpServerOptions { Hostname = "mx.test" }), new CapturingStore(), NullLoggerFactory.Instance, authFailures: failures) { Time = time };
    }
}
