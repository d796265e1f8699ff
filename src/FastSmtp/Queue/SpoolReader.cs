using FastSmtp.Protocol;
using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace FastSmtp.Queue;

/// <summary>Reads the spool back: recovery at start-up, `queue list`, and tests.</summary>
public static class SpoolReader
{
    /// <summary>Every committed message in the spool, oldest first, bodies included (empty for a finished message whose body file is gone).</summary>
    public static List<SpooledMessage> ReadMessages(string spool) => ReadMessages(spool, SpoolFileSystem.Instance);

    public static List<SpooledMessage> ReadMessages(string spool, ISpoolFileSystem files)
    {
        var messages = new List<SpooledMessage>();
        foreach (long segment in SpoolFormat.ListSegments(spool, files))
        {
            ScanSegment(files, SpoolFormat.SegmentPath(spool, segment), (payload, _) =>
            {
                if (payload[0] == SpoolFormat.MessageRecord)
                {
                    messages.Add(ParseMessage(files, spool, payload, readBody: true));
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
        var replay = new LogReplay();
        foreach (long segment in SpoolFormat.ListSegments(spool, SpoolFileSystem.Instance))
        {
            ScanSegment(SpoolFormat.SegmentPath(spool, segment), (payload, offset) => replay.Add(segment, payload, offset));
        }

        return replay.Entries;
    }

    /// <summary>Every recipient not yet delivered, failed or deleted, in queue order.</summary>
    public static List<QueuedRecipient> ReadQueue(string spool) =>
        Replay(spool)
            .SelectMany(entry => entry.Recipients.Select((r, index) => new QueuedRecipient(entry.QueueId, index, r.Address, r.State, r.Attempts, r.NextAttempt, r.LastResponse)))
            .Where(r => !RecipientProgress.Finished(r.State))
            .ToList();

    /// <summary>
    /// Every message with a recipient still to deliver, oldest first: its envelope as the spool
    /// holds it (sender, arrival, size) and all its recipients with their states.
    /// </summary>
    public static List<QueuedMessage> ReadQueuedMessages(string spool)
    {
        var messages = new List<QueuedMessage>();
        foreach (QueueEntry entry in Replay(spool).Where(entry => !entry.IsDone).OrderBy(entry => entry.ReceivedAt))
        {
            SpooledMessage message = ReadMessageAt(spool, entry.Segment, entry.Offset);
            messages.Add(new QueuedMessage(
                entry.QueueId,
                entry.ReceivedAt,
                message.Body.Length,
                message.MailFrom,
                [.. entry.Recipients.Select((r, index) => new QueuedRecipient(entry.QueueId, index, r.Address, r.State, r.Attempts, r.NextAttempt, r.LastResponse))]));
        }

        return messages;
    }

    /// <summary>The message whose record starts at <paramref name="offset"/> of a segment, with its body.</summary>
    public static SpooledMessage ReadMessageAt(string spool, long segment, long offset)
    {
        ISpoolFileSystem files = SpoolFileSystem.Instance;
        using SafeFileHandle handle = OpenForReading(files, SpoolFormat.SegmentPath(spool, segment));
        return ReadMessageAt(files, handle, spool, segment, offset);
    }

    /// <summary>A segment or body file opened for reading while the spool may append to it or delete it.</summary>
    public static SafeFileHandle OpenForReading(ISpoolFileSystem files, string path) =>
        files.Open(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);

    /// <summary>
    /// Reads the record of the message at <paramref name="offset"/> into <paramref name="record"/>
    /// (its pooled buffer, grown when too small). A body kept in spool/data is read into an
    /// array of its own.
    /// </summary>
    public static void ReadRecord(ISpoolFileSystem files, SafeFileHandle handle, string spool, long segment, long offset, SpooledRecord record)
    {
        int length = ReadRecord(files, handle, offset, files.GetLength(handle), record, out byte[]? buffer);
        if (length <= 0 || buffer![0] != SpoolFormat.MessageRecord)
        {
            throw new InvalidDataException($"no message record at {offset} of spool segment {segment}");
        }

        (Range mailFrom, QueueId queueId, bool bodyInFile, long bodyLength) = Locate(buffer.AsSpan(0, length));
        ReadOnlyMemory<byte> body = bodyInFile
            ? ReadWholeFile(files, SpoolFormat.DataPath(spool, queueId))
            : buffer.AsMemory(length - (int)bodyLength, (int)bodyLength); // an inline body is the record's last field
        record.Filled(length, mailFrom, body);
    }

    /// <summary>The same, through a handle of the segment the caller keeps open.</summary>
    public static SpooledMessage ReadMessageAt(ISpoolFileSystem files, SafeFileHandle handle, string spool, long segment, long offset)
    {
        using var record = new SpooledRecord();
        ReadRecord(files, handle, spool, segment, offset, record);
        return record.Envelope with { Body = record.Body.ToArray() };
    }

    internal static RecipientStateChange ParseStateChange(byte[] payload)
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
    /// fails its CRC (a torn tail). A read that fails throws: it is never taken for a torn tail.
    /// </summary>
    public static long ScanSegment(string path, Action<byte[], long>? onRecord) => ScanSegment(SpoolFileSystem.Instance, path, onRecord);

    public static long ScanSegment(ISpoolFileSystem files, string path, Action<byte[], long>? onRecord)
    {
        using SafeFileHandle handle = OpenForReading(files, path);
        return ScanSegment(files, handle, onRecord);
    }

    public static long ScanSegment(ISpoolFileSystem files, SafeFileHandle handle, Action<byte[], long>? onRecord)
    {
        long fileLength = files.GetLength(handle);
        long offset = 0;
        while (ReadRecord(files, handle, offset, fileLength) is { } payload)
        {
            onRecord?.Invoke(payload, offset);
            offset += SpoolFormat.HeaderLength + payload.Length;
        }

        return offset;
    }

    /// <summary>The payload of the record at <paramref name="offset"/> of an open segment, or null when none is valid there.</summary>
    public static byte[]? ReadPayloadAt(ISpoolFileSystem files, SafeFileHandle handle, long offset) => ReadRecord(files, handle, offset, files.GetLength(handle));

    /// <summary>The payload of the record at <paramref name="offset"/>, or null when none is whole and valid there.</summary>
    private static byte[]? ReadRecord(ISpoolFileSystem files, SafeFileHandle handle, long offset, long fileLength)
    {
        int length = ReadRecord(files, handle, offset, fileLength, into: null, out byte[]? payload);
        return length > 0 ? payload : null;
    }

    /// <summary>
    /// Reads the record at <paramref name="offset"/> into <paramref name="buffer"/>: an array of
    /// the payload's size, or <paramref name="into"/>'s buffer; returns the payload's length, or
    /// -1 when no record is whole and valid there.
    /// </summary>
    private static int ReadRecord(ISpoolFileSystem files, SafeFileHandle handle, long offset, long fileLength, SpooledRecord? into, out byte[]? buffer)
    {
        buffer = null;
        if (offset + SpoolFormat.HeaderLength > fileLength)
        {
            return -1;
        }

        Span<byte> header = stackalloc byte[SpoolFormat.HeaderLength];
        if (files.Read(handle, header, offset) < SpoolFormat.HeaderLength)
        {
            return -1;
        }

        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(header);
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        uint crc = BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
        if (magic != SpoolFormat.Magic || length == 0 || length > SpoolFormat.MaxPayloadLength || offset + SpoolFormat.HeaderLength + length > fileLength)
        {
            return -1;
        }

        buffer = into is not null ? into.BufferFor((int)length) : new byte[length];
        Span<byte> payload = buffer.AsSpan(0, (int)length);
        if (files.Read(handle, payload, offset + SpoolFormat.HeaderLength) < payload.Length)
        {
            return -1;
        }

        return Crc32C.Compute(payload) == crc ? (int)length : -1;
    }

    /// <summary>
    /// A body file, or nothing when it is gone: a finished message's file is deleted while its
    /// record may stay in a segment that still holds live ones.
    /// </summary>
    private static byte[] ReadBodyFileIfAny(ISpoolFileSystem files, string path)
    {
        try
        {
            return ReadWholeFile(files, path);
        }
        catch (FileNotFoundException)
        {
            return [];
        }
    }

    /// <summary>A body file, whole.</summary>
    private static byte[] ReadWholeFile(ISpoolFileSystem files, string path)
    {
        using SafeFileHandle handle = OpenForReading(files, path);
        byte[] content = new byte[files.GetLength(handle)];
        if (files.Read(handle, content, 0) < content.Length)
        {
            throw new InvalidDataException($"{path} ended early");
        }

        return content;
    }

    internal static SpooledMessage ParseMessage(ISpoolFileSystem files, string spool, ReadOnlySpan<byte> payload, bool readBody)
    {
        SpooledMessage envelope = ParseEnvelope(payload);
        if (!readBody)
        {
            return envelope;
        }

        byte[] body = envelope.BodyInFile
            ? ReadBodyFileIfAny(files, SpoolFormat.DataPath(spool, envelope.QueueId))
            : payload[(payload.Length - (int)envelope.BodyLength)..].ToArray();
        return envelope with { Body = body };
    }

    /// <summary>A message record's envelope; its Body is left empty.</summary>
    internal static SpooledMessage ParseEnvelope(ReadOnlySpan<byte> payload)
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
        return new SpooledMessage(queueId, receivedAt, clientAddress, heloName, protocol, mailFrom, (flags & 1) != 0, (flags & 2) != 0, dsnReturn, envelopeId, recipients, [])
        {
            BodyInFile = storage == SpoolFormat.BodyInFile,
            BodyLength = bodyLength,
        };
    }

    /// <summary>
    /// Where a message record's sender is and where its body is kept, found by skipping over the
    /// other fields: nothing is decoded, so a delivery reads its sender as the bytes received.
    /// </summary>
    private static (Range MailFrom, QueueId QueueId, bool BodyInFile, long BodyLength) Locate(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload);
        reader.ReadByte();
        var queueId = new QueueId(reader.ReadUInt64());
        reader.ReadUInt64();
        reader.SkipString();
        reader.SkipString();
        reader.ReadByte();
        Range mailFrom = reader.StringRange();
        reader.ReadByte();
        reader.ReadByte();
        reader.SkipString();
        uint count = reader.ReadUInt32();
        for (uint i = 0; i < count; i++)
        {
            reader.SkipString();
            reader.ReadByte();
            reader.SkipString();
        }

        byte storage = reader.ReadByte();
        return (mailFrom, queueId, storage == SpoolFormat.BodyInFile, (long)reader.ReadUInt64());
    }

    private ref struct PayloadReader(ReadOnlySpan<byte> payload)
    {
        private readonly int _length = payload.Length;
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

        public void SkipString() => StringRange();

        /// <summary>Where the next string's bytes are in the payload (an empty range for null).</summary>
        public Range StringRange()
        {
            uint length = ReadUInt32();
            int start = _length - _remaining.Length;
            if (length == uint.MaxValue)
            {
                return start..start;
            }

            _remaining = _remaining[(int)length..];
            return start..(start + (int)length);
        }
    }
}
