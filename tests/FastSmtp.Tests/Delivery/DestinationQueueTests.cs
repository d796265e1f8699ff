using System.Text;
using FastSmtp.Delivery;
using FastSmtp.Queue;

namespace FastSmtp.Tests.Delivery;

public class DestinationQueueTests
{
    [Fact]
    public async Task Jobs_run_at_most_the_destinations_concurrency_at_a_time_and_all_run()
    {
        int running = 0, peak = 0, done = 0;
        var allDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pool = new ConnectionPool(TimeSpan.FromSeconds(1), 1);
        var queue = new DestinationQueue(3, async (_, job) =>
        {
            int now = Interlocked.Increment(ref running);
            InterlockedMax(ref peak, now);
            await Task.Delay(5);
            Interlocked.Decrement(ref running);
            if (Interlocked.Increment(ref done) == 60)
            {
                allDone.SetResult();
            }
        }, () => new DestinationWorker(pool));

        var entry = new QueueEntry(QueueId.Next(), DateTimeOffset.UtcNow, 1, 0, false, [new RecipientProgress("a@b.example", RecipientState.Pending, 0, default, null)]);
        // The queue only hands jobs to workers: their pass is never run here.
        DeliveryJob[] jobs = Enumerable.Range(0, 60).Select(_ => new DeliveryJob(new MessagePass(entry, null!), "b.example", "b.example", null)).ToArray();
        foreach (DeliveryJob job in jobs)
        {
            queue.Enqueue(job);
        }

        await allDone.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(60, done);
        Assert.InRange(peak, 1, 3);
        await pool.DisposeAsync();
    }

    [Theory]
    [InlineData("Received: a\r\nReceived: b\r\nSubject: x\r\n\r\nReceived: in the body\r\n", 2)]
    [InlineData("Subject: none\r\n\r\n", 0)]
    [InlineData("received: lower case\r\nRECEIVED: upper\r\n\r\n", 2)]
    public void Received_headers_are_counted_in_the_header_section_only(string message, int count) =>
        Assert.Equal(count, DeliveryAgent.CountReceivedHeaders(Encoding.ASCII.GetBytes(message)));

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
