using System.Text;
using FastSmtp.Delivery;
using FastSmtp.Queue;
using Microsoft.Extensions.Time.Testing;

namespace FastSmtp.Tests.Delivery;

public class DestinationQueueTests
{
    [Fact]
    public async Task Jobs_run_at_most_the_destinations_concurrency_at_a_time_and_all_run()
    {
        int running = 0, peak = 0, done = 0;
        var allDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var queue = new DestinationQueue(3, TimeSpan.FromSeconds(2), TimeProvider.System, _ => new DestinationWorker(null!), async (q, worker) =>
        {
            while (await q.NextAsync(worker) is not null)
            {
                int now = Interlocked.Increment(ref running);
                InterlockedMax(ref peak, now);
                await Task.Delay(5);
                Interlocked.Decrement(ref running);
                if (Interlocked.Increment(ref done) == 60)
                {
                    allDone.SetResult();
                }
            }
        });

        foreach (DeliveryJob job in Jobs(60))
        {
            queue.Enqueue(job);
        }

        await allDone.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(60, done);
        Assert.InRange(peak, 1, 3);
        await queue.CloseAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, queue.Workers);
    }

    [Fact]
    public async Task A_waiting_worker_takes_the_next_job_and_ends_once_it_has_waited_its_limit()
    {
        var time = new FakeTimeProvider();
        int started = 0;
        var handled = new List<(DestinationWorker Worker, DeliveryJob Job)>();
        var jobDone = new SemaphoreSlim(0);
        var workerEnded = new SemaphoreSlim(0);
        var queue = new DestinationQueue(5, TimeSpan.FromSeconds(2), time, _ =>
        {
            Interlocked.Increment(ref started);
            return new DestinationWorker(null!);
        }, async (q, worker) =>
        {
            while (await q.NextAsync(worker) is { } job)
            {
                lock (handled)
                {
                    handled.Add((worker, job));
                }

                jobDone.Release();
            }

            workerEnded.Release();
        });
        DeliveryJob[] jobs = Jobs(2);

        queue.Enqueue(jobs[0]);
        Assert.True(await jobDone.WaitAsync(TimeSpan.FromSeconds(30)));
        await Eventually.TrueAsync(() => queue.Workers == 1 && !workerEnded.Wait(0));
        time.Advance(TimeSpan.FromSeconds(1));
        queue.Enqueue(jobs[1]);
        Assert.True(await jobDone.WaitAsync(TimeSpan.FromSeconds(30)));

        // The same worker carried both jobs; only one was started.
        Assert.Equal(1, started);
        Assert.Same(handled[0].Worker, handled[1].Worker);
        Assert.Equal(jobs, handled.Select(h => h.Job));

        // Idle past the limit (the sweep looks every 2 s): it ends.
        Assert.False(await workerEnded.WaitAsync(TimeSpan.FromMilliseconds(50)));
        time.Advance(TimeSpan.FromSeconds(2));
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.True(await workerEnded.WaitAsync(TimeSpan.FromSeconds(30)));
        await Eventually.TrueAsync(() => queue.Workers == 0);
    }

    [Fact]
    public async Task Closing_ends_the_waiting_workers_and_completes_when_they_have_ended()
    {
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var queue = new DestinationQueue(2, TimeSpan.FromMinutes(10), TimeProvider.System, _ => new DestinationWorker(null!), async (q, worker) =>
        {
            while (await q.NextAsync(worker) is not null)
            {
            }

            ended.TrySetResult();
        });
        queue.Enqueue(Jobs(1)[0]);
        await Eventually.TrueAsync(() => queue.Workers == 1);

        await queue.CloseAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(ended.Task.IsCompleted);
        Assert.Equal(0, queue.Workers);
    }

    /// <summary>Jobs for the queue, which only hands them to workers: their pass is never run here.</summary>
    private static DeliveryJob[] Jobs(int count)
    {
        var entry = new QueueEntry(QueueId.Next(), DateTimeOffset.UtcNow, 1, 0, false, [new RecipientProgress("a@b.example", RecipientState.Pending, 0, default, null)]);
        return Enumerable.Range(0, count).Select(_ => new DeliveryJob(new MessagePass(entry, null!), "b.example", null)).ToArray();
    }

    [Theory]
    [InlineData("Received: a\r\nReceived: b\r\nSubject: x\r\n\r\nReceived: in the body\r\n", 2)]
    [InlineData("Subject: none\r\n\r\n", 0)]
    [InlineData("received: lower case\r\nRECEIVED: upper\r\n\r\n", 2)]
    public void Received_headers_are_counted_in_the_header_section_only(string message, int count) =>
        Assert.Equal(count, LoadedMessage.CountReceivedHeaders(Encoding.ASCII.GetBytes(message)));

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
