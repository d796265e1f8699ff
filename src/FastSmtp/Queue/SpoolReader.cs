using System.Buffers.Binary;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace FastSmtp.Queue;

/// <summary>Reads the spool back: recovery at start-up, `queue list`, and tests.</summary>
public static class SpoolReader
{
    /// <summary>Every committed message in the spool, oldest first.</summary>
    public static List<SpooledMessage> ReadMessages(string spool)
    {
        var messages = new List<SpooledMessage>();
        foreach (long segment in SpoolFormat.ListSegments(spool))
        {
            ScanSegment(SpoolFormat.SegmentPath(spool, segment), payload =>
            {
                if (payload[0] == SpoolFormat.MessageRecord)
                {
                    messages.Add(ParseMessage(spool, payload));
                }
            });
        }

        return messages;
    }

    /// <summary>
    /// Replays the log: every recipient not yet delivered or failed, with its attempts, next
    /// attempt and last response, in queue order. This is what a restart resumes and what
    /// `queue list` prints.
    /// </summary>
    public static List<QueuedRecipient> ReadQueue(string spool)
    {
        var recipients = new Dictionary<(ulong, int), QueuedRecipient>();
        var order = new List<(ulong, int)>();
        foreach (long segment in SpoolFormat.ListSegments(spool))
        {
            ScanSegment(SpoolFormat.SegmentPath(spool, segment), payload =>
            {
                if (payload[0] == SpoolFormat.MessageRecord)
                {
                    SpooledMessage message = ParseMessage(spool, payload);
                    for (int i = 0; i < message.Recipients.Count; i++)
                    {
                        recipients[(message.QueueId.Value, i)] = new QueuedRecipient(message.QueueId, i, message.Recipients[i].Address, RecipientState.Pending, 0, message.ReceivedAt, null);
                        order.Add((message.QueueId.Value, i));
                    }
                }
                else if (payload[0] == SpoolFormat.RecipientStateRecord)
                {
                    RecipientStateChange change = ParseStateChange(payload);
                    if (recipients.TryGetValue((change.QueueId.Value, change.RecipientIndex), out QueuedRecipient? current))
                    {
                        recipients[(change.QueueId.Value, change.RecipientIndex)] = current with
                        {
                            State = change.State,
                            Attempts = change.Attempts,
                            NextAttempt = change.NextAttempt,
                            LastResponse = change.LastResponse,
                        };
                    }
                }
            });
        }

        return order.Select(key => recipients[key]).Where(r => r.State is RecipientState.Pending or RecipientState.Deferred).ToList();
    }

    private static RecipientStateChange ParseStateChange(byte[] payload)
    {
        var reader = new PayloadReader(payload);
        reader.ReadByte();
        var queueId = new QueueId(reader.ReadUInt64());
        int index = (int)reader.ReadUInt32();
        var state = (RecipientState)reader.ReadByte();
        int attempts = (int)reader.ReadUInt32();
        DateTimeOffset next = DateTimeOffset.FromUnixTimeMilliseconds((long)reader.ReadUInt64());
        return new RecipientStateChange(queueId, index, state, attempts, next, reader.ReadString());
    }

    /// <summary>
    /// Walks a segment's records and returns the length of its valid prefix: the offset of the
    /// first record that is short, has a bad magic or length, or fails its CRC (a torn tail).
    /// </summary>
    public static long ScanSegment(string path, Action<byte[]>? onRecord)
    {
        using SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        long fileLength = RandomAccess.GetLength(handle);
        long offset = 0;
        Span<byte> header = stackalloc byte[SpoolFormat.HeaderLength];
        while (offset + SpoolFormat.HeaderLength <= fileLength)
        {
            RandomAccess.Read(handle, header, offset);
            uint magic = BinaryPrimitives.ReadUInt32LittleEndian(header);
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
            uint crc = BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
            if (magic != SpoolFormat.Magic || length > SpoolFormat.MaxPayloadLength || offset + SpoolFormat.HeaderLength + length > fileLength)
            {
                break;
            }

            byte[] payload = new byte[length];
            RandomAccess.Read(handle, payload, offset + SpoolFormat.HeaderLength);
            if (Crc32C.Compute(payload) != crc)
            {
                break;
            }

            onRecord?.Invoke(payload);
            offset += SpoolFormat.HeaderLength + length;
        }

        return offset;
    }

    private static SpooledMessage ParseMessage(string spool, byte[] payload)
    {
        var reader = new PayloadReader(payload);
        if (reader.ReadByte() != SpoolFormat.MessageRecord)
        {
            throw new InvalidDataException("not a message record");
        }

        var queueId = new QueueId(reader.ReadUInt64());
        DateTimeOffset receivedAt = DateTimeOffset.FromUnixTimeMilliseconds((long)reader.ReadUInt64());
        string clientAddress = reader.ReadString()!;
        string heloName = reader.ReadString()!;
        var protocol = (MessageProtocol)reader.ReadByte();
        string mailFrom = reader.ReadString()!;
        byte flags = reader.ReadByte();
        var dsnReturn = (DsnReturn)reader.ReadByte();
        string? envelopeId = reader.ReadString();
        uint count = reader.ReadUInt32();
        var recipients = new List<SpoolRecipient>((int)Math.Min(count, 100_000));
        for (uint i = 0; i < count; i++)
        {
            recipients.Add(new SpoolRecipient(reader.ReadString()!, (RecipientNotify)reader.ReadByte(), reader.ReadString()));
        }

        byte storage = reader.ReadByte();
        long bodyLength = (long)reader.ReadUInt64();
        byte[] body = storage == SpoolFormat.BodyInline
            ? reader.ReadBytes((int)bodyLength)
            : File.ReadAllBytes(Path.Combine(SpoolFormat.DataDirectory(spool), queueId.ToString()));
        return new SpooledMessage(queueId, receivedAt, clientAddress, heloName, protocol, mailFrom, (flags & 1) != 0, (flags & 2) != 0, dsnReturn, envelopeId, recipients, body);
    }

    private ref struct PayloadReader(ReadOnlySpan<byte> payload)
    {
        private ReadOnlySpan<byte> _remaining = payload;

        public byte ReadByte()
        {
            byte value = _remaining[0];
            _remaining = _remaining[1..];
            return value;
        }

        public uint ReadUInt32()
        {
            uint value = BinaryPrimitives.ReadUInt32LittleEndian(_remaining);
            _remaining = _remaining[4..];
            return value;
        }

        public ulong ReadUInt64()
        {
            ulong value = BinaryPrimitives.ReadUInt64LittleEndian(_remaining);
            _remaining = _remaining[8..];
            return value;
        }

        public string? ReadString()
        {
            uint length = ReadUInt32();
            if (length == uint.MaxValue)
            {
                return null;
            }

            string value = Encoding.UTF8.GetString(_remaining[..(int)length]);
            _remaining = _remaining[(int)length..];
            return value;
        }

        public byte[] ReadBytes(int length)
        {
            byte[] value = _remaining[..length].ToArray();
            _remaining = _remaining[length..];
            return value;
        }
    }
}
