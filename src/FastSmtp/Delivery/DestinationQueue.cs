using System.Threading.Channels;

namespace FastSmtp.Delivery;

/// <summary>
/// The jobs waiting for one destination (a recipient domain, or the smarthost) and the workers
/// delivering them, at most <c>concurrency</c> at a time (Postfix's per-destination concurrency
/// limit). Each destination has its own queue, so a slow or dead destination holds only its own
/// workers and never the mail for others. Workers start when jobs arrive and end when none are
/// left.
/// </summary>
internal sealed class DestinationQueue(int concurrency, Func<DestinationWorker, DeliveryJob, ValueTask> deliver, Func<DestinationWorker> newWorker)
{
    private readonly Channel<DeliveryJob> _jobs = Channel.CreateUnbounded<DeliveryJob>();
    private int _workers;

    public void Enqueue(DeliveryJob job)
    {
        _jobs.Writer.TryWrite(job);
        TryStartWorker();
    }

    private void TryStartWorker()
    {
        while (true)
        {
            int workers = Volatile.Read(ref _workers);
            if (workers >= concurrency)
            {
                return;
            }

            if (Interlocked.CompareExchange(ref _workers, workers + 1, workers) == workers)
            {
                ThreadPool.UnsafeQueueUserWorkItem(static queue => _ = queue.RunWorkerAsync(), this, preferLocal: false);
                return;
            }
        }
    }

    private async Task RunWorkerAsync()
    {
        DestinationWorker worker = newWorker();
        try
        {
            while (true)
            {
                while (_jobs.Reader.TryRead(out DeliveryJob? job))
                {
                    await deliver(worker, job);
                }

                Interlocked.Decrement(ref _workers);

                // A job written between the last TryRead and the decrement would find the worker
                // count at its cap and start no one: look once more.
                if (!_jobs.Reader.TryPeek(out _) || Interlocked.Increment(ref _workers) > concurrency)
                {
                    if (_jobs.Reader.TryPeek(out _))
                    {
                        Interlocked.Decrement(ref _workers);
                    }

                    return;
                }
            }
        }
        finally
        {
            await worker.ReleaseAsync();
        }
    }
}
