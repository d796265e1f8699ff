using FastSmtp.Session;
using Microsoft.Extensions.Time.Testing;

namespace FastSmtp.Tests.Session;

public class PasswordVerificationGateTests
{
    [Fact]
    public async Task Turns_are_bounded_the_queue_is_bounded_and_a_queued_attempt_gives_up_after_its_timeout()
    {
        var time = new FakeTimeProvider();
        var gate = new PasswordVerificationGate(time, concurrency: 2, queueLength: 1, queueTimeout: TimeSpan.FromSeconds(5));

        IDisposable? first = await gate.EnterAsync(CancellationToken.None);
        IDisposable? second = await gate.EnterAsync(CancellationToken.None);
        Assert.NotNull(first);
        Assert.NotNull(second);

        ValueTask<IDisposable?> queued = gate.EnterAsync(CancellationToken.None);
        Assert.False(queued.IsCompleted);
        // The queue holds one: the next is told at once.
        Assert.Null(await gate.EnterAsync(CancellationToken.None));

        time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(queued.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await queued.AsTask().WaitAsync(TimeSpan.FromSeconds(5)));

        first!.Dispose();
        second!.Dispose();
    }

    [Fact]
    public async Task A_queued_attempt_gets_the_turn_a_finished_verification_gives_back()
    {
        var gate = new PasswordVerificationGate(new FakeTimeProvider(), concurrency: 1, queueLength: 4, queueTimeout: TimeSpan.FromSeconds(5));
        IDisposable? first = await gate.EnterAsync(CancellationToken.None);
        ValueTask<IDisposable?> queued = gate.EnterAsync(CancellationToken.None);
        Assert.False(queued.IsCompleted);

        first!.Dispose();

        using IDisposable? next = await queued.AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.NotNull(next);
    }

    [Fact]
    public async Task A_stopping_server_stops_the_wait()
    {
        var gate = new PasswordVerificationGate(new FakeTimeProvider(), concurrency: 1, queueLength: 4, queueTimeout: TimeSpan.FromSeconds(5));
        using IDisposable? held = await gate.EnterAsync(CancellationToken.None);
        using var stopping = new CancellationTokenSource();
        ValueTask<IDisposable?> queued = gate.EnterAsync(stopping.Token);

        stopping.Cancel();

        Assert.Null(await queued.AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void By_default_half_the_cores_verify_at_once()
    {
        var gate = new PasswordVerificationGate();

        Assert.Equal(Math.Max(1, Environment.ProcessorCount / 2), gate.Concurrency);
        Assert.True(gate.QueueLength >= gate.Concurrency);
    }
}
