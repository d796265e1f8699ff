using System.Buffers.Binary;

namespace FastSmtp.Queue;

/// <summary>
/// One group commit, serialised: the records of a batch of messages, recipient state changes and
/// compaction copies, as the list of buffers one gathered write puts at the head of the log.
/// Inline bodies are not copied: their pooled chunks go into the list as they are. Kept and
/// reused by the commit thread from batch to batch.
/// </summary>
internal sealed class SpoolBatch
{
    private readonly SpoolRecordWriter _records = new();
    private readonly List<(int Start, int End, PendingMessage? Message, QueueEntry? Relocated)> _layout = [];
    private readonly List<ReadOnlyMemory<byte>> _gather = [];

    /// <summary>The buffers to write, in order.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Buffers => _gather;

    /// <summary>Octets the buffers hold.</summary>
    public long Length { get; private set; }

    /// <summary>Records in the batch (the fsync batch-size metric).</summary>
    public int RecordCount => _layout.Count;

    /// <summary>The queue entries of the batch's messages, valid once it is written at the offset given to <see cref="Seal"/>.</summary>
    public List<QueueEntry> Committed { get; } = [];

    /// <summary>The compaction copies and where each now lies.</summary>
    public List<(QueueEntry Entry, SpoolLocation Location)> Relocated { get; } = [];

    public void Clear()
    {
        _records.Clear();
        _layout.Clear();
        _gather.Clear();
        Committed.Clear();
        Relocated.Clear();
        Length = 0;
    }

    public void AddMessage(PendingMessage message)
    {
        int recordStart = _records.Reserve(SpoolFormat.HeaderLength);
        _records.WriteEnvelope(message);
        _records.WriteByte(message.Body.FilePath is null ? SpoolFormat.BodyInline : SpoolFormat.BodyInFile);
        _records.WriteUInt64((ulong)message.Body.Length);
        _layout.Add((recordStart, _records.Length, message, null));
    }

    public void AddStateChange(RecipientStateChange change)
    {
        int recordStart = _records.Reserve(SpoolFormat.HeaderLength);
        _records.WriteStateChange(change);
        _layout.Add((recordStart, _records.Length, null, null));
    }

    /// <summary>A message's record copied as it is (<paramref name="payload"/>), then one state record per recipient that has left Pending or been tried (a released one is Pending again, its attempts kept).</summary>
    public void AddRelocation(QueueEntry entry, byte[] payload)
    {
        int recordStart = _records.Reserve(SpoolFormat.HeaderLength);
        _records.WriteBytes(payload);
        _layout.Add((recordStart, _records.Length, null, entry));
        for (int i = 0; i < entry.Recipients.Length; i++)
        {
            RecipientProgress recipient = entry.Recipients[i];
            if (recipient.State != RecipientState.Pending || recipient.Attempts != 0)
            {
                AddStateChange(new RecipientStateChange(entry.QueueId, i, recipient.State, recipient.Attempts, recipient.NextAttempt, recipient.LastResponse));
            }
        }
    }

    /// <summary>
    /// Fills in every record's header (length, CRC) and builds the buffer list, for a write at
    /// <paramref name="offset"/> of <paramref name="segment"/>. Every record's fixed part is
    /// serialised first, since the buffer may grow (and move) meanwhile.
    /// </summary>
    public void Seal(long segment, long offset)
    {
        long total = 0;
        foreach ((int recordStart, int fixedEnd, PendingMessage? message, QueueEntry? relocated) in _layout)
        {
            if (message is not null)
            {
                Committed.Add(NewEntry(message, segment, offset + total));
            }
            else if (relocated is not null)
            {
                Relocated.Add((relocated, new SpoolLocation(segment, offset + total)));
            }

            int payloadStart = recordStart + SpoolFormat.HeaderLength;
            uint crc = Crc32C.Append(~0u, _records.SpanAt(payloadStart, fixedEnd - payloadStart));
            long payloadLength = fixedEnd - payloadStart;
            _gather.Add(_records.Written(recordStart, fixedEnd - recordStart));
            if (message is not null && message.Body.FilePath is null)
            {
                for (int c = 0; c < message.Body.ChunkCount; c++)
                {
                    ReadOnlyMemory<byte> chunk = message.Body.GetChunk(c);
                    crc = Crc32C.Append(crc, chunk.Span);
                    _gather.Add(chunk);
                }

                payloadLength += message.Body.Length;
            }

            Span<byte> header = _records.SpanAt(recordStart, SpoolFormat.HeaderLength);
            BinaryPrimitives.WriteUInt32LittleEndian(header, SpoolFormat.Magic);
            BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)payloadLength);
            BinaryPrimitives.WriteUInt32LittleEndian(header[8..], ~crc);
            total += SpoolFormat.HeaderLength + payloadLength;
        }

        Length = total;
    }

    private static QueueEntry NewEntry(PendingMessage message, long segment, long offset)
    {
        var recipients = new RecipientProgress[message.Recipients.Count];
        for (int i = 0; i < recipients.Length; i++)
        {
            recipients[i] = new RecipientProgress(message.Recipients[i].Address, RecipientState.Pending, 0, message.ReceivedAt, null) { Notify = message.Recipients[i].Notify };
        }

        return new QueueEntry(message.QueueId, message.ReceivedAt, segment, offset, message.Body.FilePath is not null, recipients);
    }
}
