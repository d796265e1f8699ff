using System.Text;
using FastSmtp.Session;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace FastSmtp.Tests.Session;

/// <summary>
/// An AUTH attempt waits out its throttle delay on the server's clock before it asks for a turn
/// to verify; with no turn to be had it is answered 454 and nothing is verified or counted.
/// </summary>
public class AuthDelayTests
{
    private static readonly string WrongPassword = "AUTH PLAIN " + Convert.ToBase64String(Encoding.ASCII.GetBytes("\0nobody@localhost\0wrong")) + "\r\n";

    private const string Busy = "454 4.7.0 Temporary authentication failure, try again later\r\n";

    [Fact]
    public async Task An_attempt_from_a_throttled_address_is_answered_only_once_the_servers_clock_has_passed_its_delay()
    {
        var time = new FakeTimeProvider();
        await using SessionHarness session = await SendWhileThrottledAsync(Server(time, FailedTwentyTimes(time)));

        Assert.Equal("535 5.7.8 authentication failed\r\n", await session.AdvanceUntilAnsweredAsync(time, TimeSpan.FromSeconds(1)));
        Assert.Equal(21, session.Server.AuthFailures.Failures(System.Net.IPAddress.Loopback));
    }

    [Fact]
    public async Task A_stopping_server_tells_a_throttled_attempt_to_come_back_without_waiting_out_the_delay()
    {
        var time = new FakeTimeProvider();
        AuthFailureThrottle failures = FailedTwentyTimes(time);
        await using SessionHarness session = await SendWhileThrottledAsync(Server(time, failures));

        session.StopServer();

        // Well inside the 10 s the delay would have taken; nothing verified, nothing counted.
        Assert.Equal(Busy, await session.ReadReplyAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(20, failures.Failures(System.Net.IPAddress.Loopback));
    }

    [Fact]
    public async Task The_throttle_is_consulted_before_the_gate_and_a_full_gate_answers_454_without_counting_a_failure()
    {
        var time = new FakeTimeProvider();
        var gate = new PasswordVerificationGate(time, concurrency: 1, queueLength: 1, queueTimeout: TimeSpan.FromSeconds(3));
        using IDisposable? held = await gate.EnterAsync(CancellationToken.None);
        Assert.NotNull(held);
        AuthFailureThrottle failures = FailedTwentyTimes(time);
        await using SessionHarness session = await SendWhileThrottledAsync(Server(time, failures, gate));

        // 10 s of throttle, then 3 s in the gate's queue behind the turn this test holds.
        Assert.Equal(Busy, await session.AdvanceUntilAnsweredAsync(time, TimeSpan.FromSeconds(1)));
        Assert.Equal(20, failures.Failures(System.Net.IPAddress.Loopback));
        Assert.True(time.GetUtcNow() - FakeStart >= TimeSpan.FromSeconds(13), $"answered after {time.GetUtcNow() - FakeStart}");

        // The session goes on, and a later attempt is verified once a turn is free.
        held!.Dispose();
        await session.SendAsync(WrongPassword);
        Assert.Equal("535 5.7.8 authentication failed\r\n", await session.AdvanceUntilAnsweredAsync(time, TimeSpan.FromSeconds(1)));
    }

    private static readonly DateTimeOffset FakeStart = new FakeTimeProvider().GetUtcNow();

    private static AuthFailureThrottle FailedTwentyTimes(TimeProvider time)
    {
        var failures = new AuthFailureThrottle(time);
        for (int i = 0; i < 20; i++)
        {
            failures.Fail(System.Net.IPAddress.Loopback);
        }

        return failures;
    }

    /// <summary>A session that has sent a wrong password and, 300 ms later, still has no answer: it waits on the fake clock.</summary>
    private static async Task<SessionHarness> SendWhileThrottledAsync(SmtpServerContext server)
    {
        var session = new SessionHarness(server: server);
        await session.GreetAsync();
        await session.SendAsync(WrongPassword);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => session.ReadReplyAsync(TimeSpan.FromMilliseconds(300)));
        return session;
    }

    private static SmtpServerContext Server(TimeProvider time, AuthFailureThrottle failures, PasswordVerificationGate? gate = null) =>
        new(Options.Create(new SessionOptions { Hostname = "mx.test" }), new CapturingStore(), NullLoggerFactory.Instance, TestPolicy.Active, authFailures: failures)
        {
            Time = time,
            PasswordVerifications = gate ?? new PasswordVerificationGate(time),
        };
}
