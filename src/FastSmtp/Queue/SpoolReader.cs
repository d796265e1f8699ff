using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace FastSmtp.Queue;

/// <summary>Reads the spool back: recovery at start-up, `queue list`, and tests.</summary>
public static class SpoolReader
{
    /// <summary>Every committed message in the spool, oldest first, bodies included.</summary>
    public static List<SpooledMessage> ReadMessages(string spool)
    {
        var messages = new List<SpooledMessage>();
        foreach (long segment in SpoolFormat.ListSegments(spool))
        {
            ScanSegment(SpoolFormat.SegmentPath(spool, segment), (payload, _) =>
            {
                if (payload[0] == SpoolFormat.MessageRecord)
                {
                    messages.Add(ParseMessage(spool, payload, readBody: true));
                }
            });
        }

        return messages;
    }

    /// <summary>
    /// Replays the log: every message with each recipient's last recorded state, in queue order,
    /// finished ones included. Bodies are not read. This is what a restart resumes.
    /// </summary>
    public static List<QueueEntry> Replay(string spool)
    {
        var entries = new Dictionary<ulong, QueueEntry>();
        var order = new List<QueueEntry>();
        foreach (long segment in SpoolFormat.ListSegments(spool))
        {
            ScanSegment(SpoolFormat.SegmentPath(spool, segment), (payload, offset) =>
            {
                if (payload[0] == SpoolFormat.MessageRecord)
                {
                    SpooledMessage message = ParseMessage(spool, payload, readBody: false);
                    var recipients = message.Recipients
                        .Select(r => new RecipientProgress(r.Address, RecipientState.Pending, 0, message.ReceivedAt, null))
                        .ToArray();
                    var entry = new QueueEntry(message.QueueId, message.ReceivedAt, segment, offset, message.BodyInFile, recipients);
                    if (entries.TryAdd(message.QueueId.Value, entry))
                    {
                        order.Add(entry);
                    }
                }
                else if (payload[0] == SpoolFormat.RecipientStateRecord)
                {
                    RecipientStateChange change = ParseStateChange(payload);
                    if (entries.TryGetValue(change.QueueId.Value, out QueueEntry? entry))
                    {
                        entry.Apply(change);
                    }
                }
            });
        }

        return order;
    }

    /// <summary>Every recipient not yet delivered or failed, in queue order: what `queue list` prints.</summary>
    public static List<QueuedRecipient> ReadQueue(string spool) =>
        Replay(spool)
            .SelectMany(entry => entry.Recipients.Select((r, index) => new QueuedRecipient(entry.QueueId, index, r.Address, r.State, r.Attempts, r.NextAttempt, r.LastResponse)))
            .Where(r => r.State is RecipientState.Pending or RecipientState.Deferred)
            .ToList();

    /// <summary>The message whose record starts at <paramref name="offset"/> of a segment, with its body.</summary>
    public static SpooledMessage ReadMessageAt(string spool, long segment, long offset)
    {
        using SafeFileHandle handle = File.OpenHandle(SpoolFormat.SegmentPath(spool, segment), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return ReadMessageAt(handle, spool, segment, offset);
    }

    /// <summary>
    /// The envelope of the message at <paramref name="offset"/> (its Body left empty) and its body
    /// in a buffer rented from the shared pool, which the caller returns once done with the body;
    /// a body kept in spool/data is read into an array of its own (<paramref name="rented"/> null).
    /// </summary>
    public static SpooledMessage ReadMessageRented(SafeFileHandle handle, string spool, long segment, long offset, out byte[]? rented, out ReadOnlyMemory<byte> body)
    {
        byte[]? buffer = null;
        int length = ReadRecord(handle, offset, RandomAccess.GetLength(handle), size => buffer = ArrayPool<byte>.Shared.Rent(size));
        if (length <= 0 || buffer![0] != SpoolFormat.MessageRecord)
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            throw new InvalidDataException($"no message record at {offset} of spool segment {segment}");
        }

        SpooledMessage envelope = ParseMessage(spool, buffer.AsSpan(0, length), readBody: false);
        if (envelope.BodyInFile)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            rented = null;
            body = File.ReadAllBytes(SpoolFormat.DataPath(spool, envelope.QueueId));
            return envelope;
        }

        // An inline body is the record's last field.
        rented = buffer;
        body = buffer.AsMemory(length - (int)envelope.BodyLength, (int)envelope.BodyLength);
        return envelope;
    }

    /// <summary>The same, through a handle of the segment the caller keeps open.</summary>
    public static SpooledMessage ReadMessageAt(SafeFileHandle handle, string spool, long segment, long offset)
    {
        SpooledMessage envelope = ReadMessageRented(handle, spool, segment, offset, out byte[]? rented, out ReadOnlyMemory<byte> body);
        try
        {
            return envelope with { Body = body.ToArray() };
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
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
    /// Walks a segment's records (payload and the record's offset) and returns the length of its
    /// valid prefix: the offset of the first record that is short, has a bad magic or length, or
    /// fails its CRC (a torn tail).
    /// </summary>
    public static long ScanSegment(string path, Action<byte[], long>? onRecord)
    {
        using SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        long fileLength = RandomAccess.GetLength(handle);
        long offset = 0;
        while (ReadRecord(handle, offset, fileLength) is { } payload)
        {
            onRecord?.Invoke(payload, offset);
            offset += SpoolFormat.HeaderLength + payload.Length;
        }

        return offset;
    }

    /// <summary>The payload of the record at <paramref name="offset"/> of an open segment, or null when none is valid there.</summary>
    public static byte[]? ReadPayloadAt(SafeFileHandle handle, long offset) => ReadRecord(handle, offset, RandomAccess.GetLength(handle));

    /// <summary>The payload of the record at <paramref name="offset"/>, or null when none is whole and valid there.</summary>
    private static byte[]? ReadRecord(SafeFileHandle handle, long offset, long fileLength)
    {
        byte[]? payload = null;
        int length = ReadRecord(handle, offset, fileLength, size => payload = new byte[size]);
        return length > 0 ? payload : null;
    }

    /// <summary>
    /// Reads the record at <paramref name="offset"/> into a buffer from <paramref name="allocate"/>
    /// (at least the payload's size); returns the payload's length, or -1 when no record is whole
    /// and valid there.
    /// </summary>
    private static int ReadRecord(SafeFileHandle handle, long offset, long fileLength, Func<int, byte[]> allocate)
    {
        if (offset + SpoolFormat.HeaderLength > fileLength)
        {
            return -1;
        }

        Span<byte> header = stackalloc byte[SpoolFormat.HeaderLength];
        RandomAccess.Read(handle, header, offset);
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(header);
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        uint crc = BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
        if (magic != SpoolFormat.Magic || length == 0 || length > SpoolFormat.MaxPayloadLength || offset + SpoolFormat.HeaderLength + length > fileLength)
        {
            return -1;
        }

        Span<byte> payload = allocate((int)length).AsSpan(0, (int)length);
        RandomAccess.Read(handle, payload, offset + SpoolFormat.HeaderLength);
        return Crc32C.Compute(payload) == crc ? (int)length : -1;
    }

    private static SpooledMessage ParseMessage(string spool, ReadOnlySpan<byte> payload, bool readBody)
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
        byte[] body = !readBody ? []
            : storage == SpoolFormat.BodyInline ? reader.ReadBytes((int)bodyLength)
            : File.ReadAllBytes(SpoolFormat.DataPath(spool, queueId));
        return new SpooledMessage(queueId, receivedAt, clientAddress, heloName, protocol, mailFrom, (flags & 1) != 0, (flags & 2) != 0, dsnReturn, envelopeId, recipients, body)
        {
            BodyInFile = storage == SpoolFormat.BodyInFile,
            BodyLength = bodyLength,
        };
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
