using FastSmtp.Protocol;
using FastSmtp.Queue;

namespace FastSmtp.Delivery;

/// <summary>
/// One delivery attempt of a queued message: its due recipients and each one's outcome as it
/// comes in. A remote job reads the message into its worker's own buffer when its turn comes (a
/// message waiting for a slow destination is not held in memory before then); the pass reads
/// its own copy only for local deliveries and reports (<see cref="Message"/>). The pass counts its unfinished parts (its jobs, and the grouping itself while it runs); the part
/// that finishes last hands the pass back to the thread pool to be completed, so nothing awaits
/// the jobs. It is its own thread-pool work item: first it runs, then it completes.
/// </summary>
internal sealed class MessagePass(QueueEntry entry, DeliveryAgent agent) : IThreadPoolWorkItem, IDisposable
{
    private LoadedMessage? _message;
    private int _unfinished = 1;
    private bool _ran;

    public QueueEntry Entry { get; } = entry;

    /// <summary>Each recipient's reply from this pass; default for those not tried.</summary>
    public NextHopReply[] Outcomes { get; } = new NextHopReply[entry.Recipients.Length];

    /// <summary>Recipients whose delivery was recorded as soon as it happened.</summary>
    public bool[] RecordedEarly { get; } = new bool[entry.Recipients.Length];

    /// <summary>What went wrong while the pass was grouped or a job was run (an unreadable spool record, a bug): the message is tried again later.</summary>
    public Exception? Failure { get; set; }

    /// <summary>
    /// The message, read by the first caller and shared. Two jobs asking at the same moment may
    /// both read it; the later read is dropped (rare, and cheaper than a lock per pass).
    /// </summary>
    public LoadedMessage Message()
    {
        if (Volatile.Read(ref _message) is { } loaded)
        {
            return loaded;
        }

        LoadedMessage read = agent.Load(Entry);
        if (Interlocked.CompareExchange(ref _message, read, null) is { } first)
        {
            read.Dispose();
            return first;
        }

        return read;
    }

    /// <summary>A part of the pass (a job) begins.</summary>
    public void Begin() => Interlocked.Increment(ref _unfinished);

    /// <summary>A part of the pass is over; the last one queues the pass's completion.</summary>
    public void Finish()
    {
        if (Interlocked.Decrement(ref _unfinished) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    void IThreadPoolWorkItem.Execute()
    {
        if (!_ran)
        {
            _ran = true;
            agent.RunPass(this);
        }
        else
        {
            agent.CompletePass(this);
        }
    }

    /// <summary>The pass is over: the body's pooled buffer goes back.</summary>
    public void Dispose() => _message?.Dispose();
}
