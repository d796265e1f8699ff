namespace FastSmtp.Delivery;

/// <summary>
/// The jobs waiting for one destination (a recipient domain, or the smarthost) and the workers
/// delivering them, at most <c>concurrency</c> at a time (Postfix's per-destination concurrency
/// limit). Each destination has its own queue, so a slow or dead destination holds only its own
/// workers and never the mail for others. A job goes to a waiting worker if there is one, else a
/// new worker starts (up to the limit), else it waits its turn. A worker with nothing to do waits
/// for the next job, its connection open, for <paramref name="maxIdle"/> (Postfix caches a
/// connection 2 s); then it ends. Under steady load the same workers and connections carry job
/// after job, with nothing made per job.
/// </summary>
internal sealed class DestinationQueue(int concurrency, TimeSpan maxIdle, TimeProvider time, Func<DestinationQueue, DestinationWorker> newWorker, Func<DestinationQueue, DestinationWorker, Task> runWorker)
{
    private readonly Lock _lock = new();
    private readonly Queue<DeliveryJob> _jobs = new();

    /// <summary>Waiting workers, the longest-waiting first; jobs go to the last (its connection is the freshest).</summary>
    private readonly List<DestinationWorker> _idle = [];
    private ITimer? _sweeper;
    private bool _sweeping;
    private int _workers;
    private bool _closed;
    private TaskCompletionSource? _ended;

    public int Workers
    {
        get
        {
            lock (_lock)
            {
                return _workers;
            }
        }
    }

    public void Enqueue(DeliveryJob job)
    {
        DestinationWorker? idle = null;
        DestinationWorker? started = null;
        lock (_lock)
        {
            if (_idle.Count > 0)
            {
                idle = _idle[^1];
                _idle.RemoveAt(_idle.Count - 1);
            }
            else
            {
                _jobs.Enqueue(job);
                if (_workers < concurrency && !_closed)
                {
                    _workers++;
                    started = newWorker(this);
                }
            }
        }

        if (idle is not null)
        {
            idle.Hand(job);
        }
        else if (started is not null)
        {
            Start(started);
        }
    }

    /// <summary>The worker's next job: at once when one is waiting, else when one is handed to it; null when the worker is to end.</summary>
    public ValueTask<DeliveryJob?> NextAsync(DestinationWorker worker)
    {
        lock (_lock)
        {
            if (_jobs.TryDequeue(out DeliveryJob? job))
            {
                return new ValueTask<DeliveryJob?>(job);
            }

            if (_closed)
            {
                return new ValueTask<DeliveryJob?>((DeliveryJob?)null);
            }

            ValueTask<DeliveryJob?> wait = worker.WaitForJob(time.GetTimestamp());
            _idle.Add(worker);
            if (!_sweeping)
            {
                // Armed while anyone waits: a worker waiting between one and two periods is ended.
                _sweeping = true;
                (_sweeper ??= time.CreateTimer(static state => ((DestinationQueue)state!).EndIdleWorkers(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan)).Change(maxIdle, maxIdle);
            }

            return wait;
        }
    }

    /// <summary>
    /// Ends every waiting worker and starts no more (the server stops); busy workers end after
    /// their job. Completes when the last worker has ended and handed its connection back.
    /// </summary>
    public Task CloseAsync()
    {
        List<DestinationWorker> idle;
        Task ended;
        lock (_lock)
        {
            _closed = true;
            idle = [.. _idle];
            _idle.Clear();
            _sweeper?.Dispose();
            _sweeper = null;
            _sweeping = false;
            ended = _workers == 0 ? Task.CompletedTask : (_ended ??= new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }

        foreach (DestinationWorker worker in idle)
        {
            worker.Hand(null);
        }

        return ended;
    }

    private async Task RunAsync(DestinationWorker worker)
    {
        try
        {
            await runWorker(this, worker);
        }
        finally
        {
            DestinationWorker? replacement = null;
            lock (_lock)
            {
                _workers--;
                if (_workers == 0 && _closed)
                {
                    _ended?.TrySetResult();
                }

                // A job queued while this worker was ending found no room for a new one.
                if (_jobs.Count > 0 && _workers < concurrency && !_closed)
                {
                    _workers++;
                    replacement = newWorker(this);
                }
            }

            if (replacement is not null)
            {
                Start(replacement);
            }
        }
    }

    private void Start(DestinationWorker worker) =>
        ThreadPool.UnsafeQueueUserWorkItem(static state => _ = state.Queue.RunAsync(state.Worker), (Queue: this, Worker: worker), preferLocal: false);

    private void EndIdleWorkers()
    {
        List<DestinationWorker>? ended = null;
        lock (_lock)
        {
            while (_idle.Count > 0 && time.GetElapsedTime(_idle[0].IdleSince) >= maxIdle)
            {
                (ended ??= []).Add(_idle[0]);
                _idle.RemoveAt(0);
            }

            if (_idle.Count == 0)
            {
                _sweeping = false;
                _sweeper?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }
        }

        foreach (DestinationWorker worker in ended ?? [])
        {
            worker.Hand(null);
        }
    }
}
