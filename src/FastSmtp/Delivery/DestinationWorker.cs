using System.Threading.Tasks.Sources;

namespace FastSmtp.Delivery;

/// <summary>
/// One of a destination's workers: its open connection, kept from one job to the next (then
/// handed to the pool), and the place where, idle, it waits for its next job. The wait is a
/// reusable value-task source, so handing a job to a waiting worker allocates nothing.
/// </summary>
internal sealed class DestinationWorker(ConnectionPool pool) : IValueTaskSource<DeliveryJob?>
{
    private ManualResetValueTaskSourceCore<DeliveryJob?> _handoff = new() { RunContinuationsAsynchronously = true };
    private LoadedMessage? _message;

    public SmtpDeliveryClient? Client { get; set; }

    /// <summary>What <see cref="Client"/> was opened for.</summary>
    public NextHopKey? NextHop { get; set; }

    /// <summary>When it began to wait (the queue's clock), so the queue can end workers idle too long.</summary>
    public long IdleSince { get; private set; }

    /// <summary>Begins a wait; call under the queue's lock, before the worker can be handed anything.</summary>
    public ValueTask<DeliveryJob?> WaitForJob(long now)
    {
        IdleSince = now;
        _handoff.Reset();
        return new ValueTask<DeliveryJob?>(this, _handoff.Version);
    }

    /// <summary>Ends the wait with a job, or with null to end the worker.</summary>
    public void Hand(DeliveryJob? job) => _handoff.SetResult(job);

    /// <summary>The job's message, read into the worker's own buffer (valid until its next job).</summary>
    public LoadedMessage Load(Queue.Spool spool, Queue.QueueEntry entry) => (_message ??= new LoadedMessage()).Load(spool, entry);

    /// <summary>The worker ends: its message buffer goes back to the shared pool, its connection to the connection pool.</summary>
    public ValueTask EndAsync()
    {
        _message?.Dispose();
        _message = null;
        return ReleaseAsync();
    }

    /// <summary>Hands the open connection to the pool (to open one to another next hop, or at the end).</summary>
    public async ValueTask ReleaseAsync()
    {
        if (Client is not null && NextHop is not null)
        {
            await pool.ReturnAsync(NextHop.Value, Client);
        }

        Client = null;
        NextHop = null;
    }

    DeliveryJob? IValueTaskSource<DeliveryJob?>.GetResult(short token) => _handoff.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<DeliveryJob?>.GetStatus(short token) => _handoff.GetStatus(token);

    void IValueTaskSource<DeliveryJob?>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _handoff.OnCompleted(continuation, state, token, flags);
}
