using FastSmtp.Protocol;
using FastSmtp.Queue;

namespace FastSmtp.Delivery;

/// <summary>
/// One delivery attempt of a queued message: its due recipients, each one's outcome as it comes
/// in, and the message read from the spool by whichever part of the pass needs it first (a
/// message waiting only for a slow destination is not held in memory before its turn).
/// </summary>
internal sealed class MessagePass(QueueEntry entry, Func<QueueEntry, LoadedMessage> load) : IDisposable
{
    private Task<LoadedMessage>? _message;

    public QueueEntry Entry { get; } = entry;

    /// <summary>Each recipient's reply from this pass; default for those not tried.</summary>
    public NextHopReply[] Outcomes { get; } = new NextHopReply[entry.Recipients.Length];

    /// <summary>Recipients whose delivery was recorded as soon as it happened.</summary>
    public bool[] RecordedEarly { get; } = new bool[entry.Recipients.Length];

    /// <summary>The message, read on the thread pool by the first caller; the others share that read.</summary>
    public Task<LoadedMessage> MessageAsync()
    {
        if (Volatile.Read(ref _message) is { } loading)
        {
            return loading;
        }

        var read = new Task<LoadedMessage>(static state => ((MessagePass)state!).LoadNow(), this);
        if (Interlocked.CompareExchange(ref _message, read, null) is { } first)
        {
            return first;
        }

        read.Start(TaskScheduler.Default);
        return read;
    }

    public bool MessageLoaded => Volatile.Read(ref _message) is { IsCompletedSuccessfully: true };

    /// <summary>The pass is over: the body's pooled buffer goes back.</summary>
    public void Dispose()
    {
        if (MessageLoaded)
        {
            _message!.Result.Dispose();
        }
    }

    private LoadedMessage LoadNow() => load(Entry);
}
