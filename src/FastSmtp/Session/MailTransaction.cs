using System.Buffers;
using FastSmtp.Protocol;
using FastSmtp.Queue;

namespace FastSmtp.Session;

/// <summary>
/// One mail transaction, from MAIL to the end of the message: the message being received, the
/// sender as received (RCPT's policy checks read it), the header block check-valid-sender reads,
/// and how the content stands (its size, a spill that failed, BDAT's chunk). RSET, HELO/EHLO,
/// STARTTLS, the end of a message and the end of the session reset it as a whole.
/// </summary>
internal sealed class MailTransaction
{
    /// <summary>The header block kept for check-valid-sender: enough to find a Reply-To.</summary>
    private const int MaxHeaderBlock = 16 * 1024;

    private readonly byte[] _sender = new byte[SmtpPathParser.MaxPathLength];
    private int _senderLength;
    private byte[]? _headers;
    private int _headersLength;

    public PendingMessage Message { get; } = new();

    /// <summary>MAIL FROM's address as received (empty for &lt;&gt;).</summary>
    public ReadOnlySpan<byte> Sender => _sender.AsSpan(0, _senderLength);

    public bool NullSender => _senderLength == 0;

    /// <summary>The start of the message, when it was kept (<see cref="Append"/>'s keepHeaders).</summary>
    public ReadOnlySpan<byte> Headers => _headers.AsSpan(0, _headersLength);

    /// <summary>Content octets received so far (the Received: field not counted).</summary>
    public long ContentLength { get; private set; }

    /// <summary>The content passed the size limit: the rest is read to its end, not kept.</summary>
    public bool Oversize { get; private set; }

    /// <summary>Writing a spilled body failed: the rest of the message is read and refused with this.</summary>
    public CommitResult StorageFailure { get; private set; } = CommitResult.Committed;

    /// <summary>DATA or the first BDAT has begun the message (queue id, Received: field).</summary>
    public bool Started { get; set; }

    /// <summary>BDAT: octets of the current chunk still to read.</summary>
    public long ChunkRemaining { get; set; }

    /// <summary>BDAT: the current chunk is the LAST.</summary>
    public bool ChunkLast { get; set; }

    /// <summary>BDAT: why the current chunk is read and refused, or none.</summary>
    public ChunkRefusal ChunkRefusal { get; set; }

    public void SetSender(ReadOnlySpan<byte> mailbox)
    {
        mailbox.CopyTo(_sender);
        _senderLength = mailbox.Length;
    }

    /// <summary>Adds a final recipient unless the message already has it: an address reached twice gets one copy.</summary>
    public void AddRecipientOnce(SpoolRecipient recipient)
    {
        foreach (SpoolRecipient queued in Message.Recipients)
        {
            if (string.Equals(queued.Address, recipient.Address, StringComparison.OrdinalIgnoreCase))
            {
                return;
            }
        }

        Message.Recipients.Add(recipient);
    }

    /// <summary>
    /// Takes decoded content into the body, unless the message already exceeds
    /// <paramref name="maxMessageSize"/> (enforced while reading) or a spill failed. A body grown
    /// past memory is spilled to <paramref name="store"/>; a full disk marks the message refused.
    /// </summary>
    public void Append(ReadOnlySpan<byte> content, bool keepHeaders, long maxMessageSize, IMessageStore store)
    {
        if (Oversize || StorageFailure != CommitResult.Committed)
        {
            return;
        }

        if (keepHeaders)
        {
            _headers ??= ArrayPool<byte>.Shared.Rent(MaxHeaderBlock);
            int take = Math.Min(content.Length, MaxHeaderBlock - _headersLength);
            content[..take].CopyTo(_headers.AsSpan(_headersLength));
            _headersLength += take;
        }

        ContentLength += content.Length;
        if (ContentLength > maxMessageSize)
        {
            Oversize = true;
            Message.Body.Reset();
            return;
        }

        MessageBody body = Message.Body;
        try
        {
            body.Append(content);
            if (body.NeedsSpill)
            {
                store.Spill(Message);
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // A full disk (or no descriptor) while spilling: the message is read to its end, then refused.
            StorageFailure = SpoolFault.ResultOf(exception);
            body.Reset();
        }
    }

    /// <summary>
    /// Back to no transaction. A message that did not reach the spool is dropped: its pooled
    /// buffers go back and a spill file is deleted.
    /// </summary>
    public void Reset()
    {
        Message.Reset();
        _senderLength = 0;
        _headersLength = 0;
        if (_headers is not null)
        {
            ArrayPool<byte>.Shared.Return(_headers);
            _headers = null;
        }

        ContentLength = 0;
        Oversize = false;
        StorageFailure = CommitResult.Committed;
        Started = false;
        ChunkRemaining = 0;
        ChunkLast = false;
        ChunkRefusal = ChunkRefusal.None;
    }
}
