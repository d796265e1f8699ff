using FastSmtp.Queue;

namespace FastSmtp.Delivery;

/// <summary>
/// One delivery attempt of a queued message: its due recipients, each one's outcome as it comes
/// in, and the message read from the spool by whichever part of the pass needs it first (a
/// message waiting only for a slow destination is not held in memory before its turn).
/// </summary>
internal sealed class MessagePass(QueueEntry entry, Func<QueueEntry, LoadedMessage> load) : IDisposable
{
    private readonly Lazy<Task<LoadedMessage>> _message = new(() => Task.Run(() => load(entry)));

    public QueueEntry Entry { get; } = entry;

    /// <summary>Each recipient's reply from this pass; default for those not tried.</summary>
    public NextHopReply[] Outcomes { get; } = new NextHopReply[entry.Recipients.Length];

    /// <summary>Recipients whose delivery was recorded as soon as it happened.</summary>
    public bool[] RecordedEarly { get; } = new bool[entry.Recipients.Length];

    public Task<LoadedMessage> MessageAsync() => _message.Value;

    public bool MessageLoaded => _message.IsValueCreated && _message.Value.IsCompletedSuccessfully;

    /// <summary>The pass is over: the body's pooled buffer goes back.</summary>
    public void Dispose()
    {
        if (MessageLoaded)
        {
            _message.Value.Result.Dispose();
        }
    }
}
