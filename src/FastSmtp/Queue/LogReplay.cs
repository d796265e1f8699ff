namespace FastSmtp.Queue;

/// <summary>
/// Rebuilds the queue from the log's records, fed in log order: a message record starts an entry
/// (the first copy wins; compaction writes later ones), a state record brings one recipient up to date.
/// </summary>
internal sealed class LogReplay
{
    private readonly Dictionary<ulong, QueueEntry> _entries = [];

    /// <summary>Every message read so far, finished ones included, in queue order.</summary>
    public List<QueueEntry> Entries { get; } = [];

    public void Add(long segment, byte[] payload, long offset)
    {
        if (payload[0] == SpoolFormat.MessageRecord)
        {
            SpooledMessage message = SpoolReader.ParseEnvelope(payload);
            var recipients = new RecipientProgress[message.Recipients.Count];
            for (int i = 0; i < recipients.Length; i++)
            {
                recipients[i] = new RecipientProgress(message.Recipients[i].Address, RecipientState.Pending, 0, message.ReceivedAt, null) { Notify = message.Recipients[i].Notify };
            }

            var entry = new QueueEntry(message.QueueId, message.ReceivedAt, segment, offset, message.BodyInFile, recipients);
            if (_entries.TryAdd(message.QueueId.Value, entry))
            {
                Entries.Add(entry);
            }
        }
        else if (payload[0] == SpoolFormat.RecipientStateRecord)
        {
            RecipientStateChange change = SpoolReader.ParseStateChange(payload);
            if (_entries.TryGetValue(change.QueueId.Value, out QueueEntry? entry))
            {
                entry.Apply(change);
            }
        }
    }
}
