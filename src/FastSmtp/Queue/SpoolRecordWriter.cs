using System.Buffers.Binary;
using System.Text;

namespace FastSmtp.Queue;

/// <summary>Serialises records into a growable buffer that is kept from batch to batch.</summary>
internal sealed class SpoolRecordWriter
{
    private byte[] _buffer = new byte[64 * 1024];

    public int Length { get; private set; }

    public Memory<byte> Written(int start, int length) => _buffer.AsMemory(start, length);

    public void Clear() => Length = 0;

    public int Reserve(int count)
    {
        Ensure(count);
        int start = Length;
        Length += count;
        return start;
    }

    public Span<byte> SpanAt(int start, int length) => _buffer.AsSpan(start, length);

    public void WriteByte(byte value)
    {
        Ensure(1);
        _buffer[Length++] = value;
    }

    public void WriteUInt32(uint value)
    {
        Ensure(4);
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(Length), value);
        Length += 4;
    }

    public void WriteUInt64(ulong value)
    {
        Ensure(8);
        BinaryPrimitives.WriteUInt64LittleEndian(_buffer.AsSpan(Length), value);
        Length += 8;
    }

    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        Ensure(value.Length);
        value.CopyTo(_buffer.AsSpan(Length));
        Length += value.Length;
    }

    public void WriteString(string? value)
    {
        if (value is null)
        {
            WriteUInt32(uint.MaxValue);
            return;
        }

        int max = Encoding.UTF8.GetMaxByteCount(value.Length);
        Ensure(4 + max);
        int written = Encoding.UTF8.GetBytes(value, _buffer.AsSpan(Length + 4));
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(Length), (uint)written);
        Length += 4 + written;
    }

    /// <summary>The envelope part of a message record (everything before the body).</summary>
    public void WriteEnvelope(PendingMessage message)
    {
        WriteByte(SpoolFormat.MessageRecord);
        WriteUInt64(message.QueueId.Value);
        WriteUInt64((ulong)message.ReceivedAt.ToUnixTimeMilliseconds());
        WriteString(message.ClientAddress);
        WriteString(message.HeloName);
        WriteByte((byte)message.Protocol);
        WriteString(message.MailFrom);
        WriteByte((byte)((message.EightBitMime ? 1 : 0) | (message.SmtpUtf8 ? 2 : 0)));
        WriteByte((byte)message.Return);
        WriteString(message.EnvelopeId);
        WriteUInt32((uint)message.Recipients.Count);
        foreach (SpoolRecipient recipient in message.Recipients)
        {
            WriteString(recipient.Address);
            WriteByte((byte)recipient.Notify);
            WriteString(recipient.OriginalRecipient);
        }
    }

    /// <summary>A recipient state record's payload.</summary>
    public void WriteStateChange(RecipientStateChange change)
    {
        WriteByte(SpoolFormat.RecipientStateRecord);
        WriteUInt64(change.QueueId.Value);
        WriteUInt32((uint)change.RecipientIndex);
        WriteByte((byte)change.State);
        WriteUInt32((uint)change.Attempts);
        WriteUInt64((ulong)change.NextAttempt.ToUnixTimeMilliseconds());
        WriteString(change.LastResponse);
    }

    private void Ensure(int count)
    {
        if (Length + count > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, Length + count));
        }
    }
}
