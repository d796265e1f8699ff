using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text;
using FastSmtp.Policy;
using FastSmtp.Protocol;
using FastSmtp.Queue;

namespace FastSmtp.Session;

internal sealed partial class SmtpSession
{
    private DataDecoder _decoder;
    private LineEndingValidator _chunkValidator;
    private long _contentLength;
    private bool _oversize;

    /// <summary>Writing a spilled body failed: the rest of the message is read and refused with this.</summary>
    private CommitResult _storageFailure;
    private bool _messageStarted;
    private long _chunkRemaining;
    private bool _chunkLast;
    private ChunkRefusal _chunkRefusal;

    /// <summary>The sender's bytes as received (a path is at most 256 octets), kept for RCPT's policy checks.</summary>
    private readonly byte[] _sender = new byte[SmtpPathParser.MaxPathLength];
    private readonly List<string> _finals = [];
    private int _senderLength;

    /// <summary>check-valid-sender with MAIL FROM:&lt;&gt;: the start of the message, to find its Reply-To.</summary>
    private byte[]? _headers;
    private int _headersLength;

    /// <summary>RFC 3848 protocol names.</summary>
    private MessageProtocol Protocol => (_esmtp, _tls is not null, _authenticatedUser is not null) switch
    {
        (false, _, _) => MessageProtocol.Smtp,
        (true, false, false) => MessageProtocol.Esmtp,
        (true, true, false) => MessageProtocol.Esmtps,
        (true, false, true) => MessageProtocol.Esmtpa,
        (true, true, true) => MessageProtocol.Esmtpsa,
    };

    private bool MustFindReplyTo => _policy.NeedsHeaders(nullSender: _senderLength == 0);

    private void OnData(ReadOnlySpan<byte> arguments)
    {
        if (!arguments.IsEmpty)
        {
            Refuse(SmtpReplies.DataSyntax);
            return;
        }

        ReadOnlySpan<byte> refusal = _state switch
        {
            SessionState.Connected => SmtpReplies.SendHeloFirst,
            SessionState.Ready => SmtpReplies.NeedMail,
            _ when _messageStarted => SmtpReplies.DataAfterBdat,
            _ when _message.Recipients.Count == 0 => SmtpReplies.NoValidRecipients,
            _ => default,
        };
        if (!refusal.IsEmpty)
        {
            Refuse(refusal);
            return;
        }

        BeginMessage();
        _decoder.Reset();
        _mode = InputMode.Data;
        Reply(SmtpReplies.StartData);
    }

    /// <summary>RFC 3030: BDAT size [LAST]. A chunk is always read in full, even when refused.</summary>
    private void OnBdat(ReadOnlySpan<byte> arguments)
    {
        ReadOnlySpan<byte> text = arguments.Trim((byte)' ');
        int space = text.IndexOf((byte)' ');
        ReadOnlySpan<byte> sizeText = space < 0 ? text : text[..space];
        ReadOnlySpan<byte> rest = space < 0 ? default : text[(space + 1)..].Trim((byte)' ');
        bool last = Ascii.EqualsIgnoreCase(rest, "LAST"u8);
        if (sizeText.IsEmpty || sizeText.Length > 18 || !Utf8Parser.TryParse(sizeText, out long size, out int used) || used != sizeText.Length || size < 0 || (!rest.IsEmpty && !last))
        {
            // Without a size there is no chunk to skip: the bytes that follow are read as commands.
            Refuse(SmtpReplies.BdatSyntax);
            return;
        }

        _chunkRemaining = size;
        _chunkLast = last;
        _chunkRefusal = _state switch
        {
            SessionState.Connected => ChunkRefusal.SendHeloFirst,
            SessionState.Ready => ChunkRefusal.NeedMail,
            _ when _message.Recipients.Count == 0 => ChunkRefusal.NoValidRecipients,
            _ when _contentLength + size > _server.Options.MaxMessageSize => ChunkRefusal.MessageTooBig,
            _ => ChunkRefusal.None,
        };
        if (_chunkRefusal == ChunkRefusal.None && !_messageStarted)
        {
            BeginMessage();
            _chunkValidator.Reset();
        }

        _mode = InputMode.Chunk;
    }

    private bool DecodeData(ref SequenceReader<byte> reader)
    {
        ReadOnlySequence<byte> unread = reader.UnreadSequence;
        var sink = new BodySink(this);
        if (!_decoder.Decode(unread, ref sink, out SequencePosition end))
        {
            reader.AdvanceToEnd();
            return false;
        }

        reader.Advance(unread.Slice(0, end).Length);
        _mode = InputMode.Commands;
        if (_oversize)
        {
            Refuse(SmtpReplies.MessageTooBig);
            ResetTransaction();
        }
        else if (_storageFailure != CommitResult.Committed)
        {
            RefuseForStorage();
        }
        else if (_decoder.SawBareLineEnding || _decoder.SawNul)
        {
            // SMTP smuggling defence: such a message is never queued, so never relayed.
            Refuse(_decoder.SawBareLineEnding ? SmtpReplies.BareLineEndingInMessage : SmtpReplies.NulInMessage);
            ResetTransaction();
        }
        else
        {
            CommitUnlessSenderInvalid();
        }

        return true;
    }

    private bool ReadChunk(ref SequenceReader<byte> reader)
    {
        if (_chunkRemaining > 0)
        {
            long take = Math.Min(_chunkRemaining, reader.Remaining);
            if (take == 0)
            {
                return false;
            }

            if (_chunkRefusal == ChunkRefusal.None)
            {
                foreach (ReadOnlyMemory<byte> segment in reader.UnreadSequence.Slice(0, take))
                {
                    _chunkValidator.Check(segment.Span);
                    AppendContent(segment.Span);
                }
            }

            reader.Advance(take);
            _chunkRemaining -= take;
            if (_chunkRemaining > 0)
            {
                return false;
            }
        }

        _mode = InputMode.Commands;
        switch (_chunkRefusal)
        {
            case ChunkRefusal.SendHeloFirst: Refuse(SmtpReplies.SendHeloFirst); return true;
            case ChunkRefusal.NeedMail: Refuse(SmtpReplies.NeedMail); return true;
            case ChunkRefusal.NoValidRecipients: Refuse(SmtpReplies.NoValidRecipients); return true;
            case ChunkRefusal.MessageTooBig:
                // RFC 3030 2: after a failed chunk the transaction has failed; chunks already in
                // the pipeline are read and refused (they meet "need MAIL").
                Refuse(SmtpReplies.MessageTooBig);
                ResetTransaction();
                return true;
        }

        if (!_chunkLast)
        {
            Span<byte> reply = stackalloc byte[64];
            "250 2.0.0 "u8.CopyTo(reply);
            Utf8Formatter.TryFormat(_contentLength, reply[10..], out int digits);
            int length = 10 + digits;
            " octets received\r\n"u8.CopyTo(reply[length..]);
            Reply(reply[..(length + 18)]);
            return true;
        }

        _chunkValidator.Complete();
        if (_storageFailure != CommitResult.Committed)
        {
            RefuseForStorage();
        }
        else if (_chunkValidator.SawBareLineEnding || _chunkValidator.SawNul)
        {
            Refuse(_chunkValidator.SawBareLineEnding ? SmtpReplies.BareLineEndingInMessage : SmtpReplies.NulInMessage);
            ResetTransaction();
        }
        else
        {
            CommitUnlessSenderInvalid();
        }

        return true;
    }

    /// <summary>
    /// check-valid-sender: with MAIL FROM:&lt;&gt; the message must carry a
    /// Reply-To holding user@host, checked at the end of DATA.
    /// </summary>
    private void CommitUnlessSenderInvalid()
    {
        if (!_policy.CheckMessage(nullSender: _senderLength == 0, _headers.AsSpan(0, _headersLength)).Accepted)
        {
            Refuse(SmtpReplies.SenderMustBeUserAtHost);
            ResetTransaction();
            return;
        }

        _action = PendingAction.CommitMessage;
    }

    /// <summary>Takes decoded content into the body, unless the message already exceeds the limit.</summary>
    internal void AppendContent(ReadOnlySpan<byte> content)
    {
        if (_oversize || _storageFailure != CommitResult.Committed)
        {
            return;
        }

        if (MustFindReplyTo)
        {
            // The header block, up to 16 KB, is enough to find a Reply-To.
            _headers ??= System.Buffers.ArrayPool<byte>.Shared.Rent(16 * 1024);
            int take = Math.Min(content.Length, _headers.Length - _headersLength);
            content[..take].CopyTo(_headers.AsSpan(_headersLength));
            _headersLength += take;
        }

        _contentLength += content.Length;
        if (_contentLength > _server.Options.MaxMessageSize)
        {
            // Enforced while reading: the rest is decoded to find the end, but not kept.
            _oversize = true;
            _message.Body.Reset();
            return;
        }

        MessageBody body = _message.Body;
        try
        {
            body.Append(content);
            if (body.NeedsSpill)
            {
                _server.Store.Spill(_message);
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // A full disk (or no descriptor) while spilling: the message is read to its end, then refused.
            _storageFailure = SpoolFault.ResultOf(exception);
            body.Reset();
        }
    }

    private void RefuseForStorage()
    {
        Refuse(_storageFailure == CommitResult.InsufficientStorage ? SmtpReplies.InsufficientStorage : SmtpReplies.StorageError);
        SessionLog.MessageNotQueued(_server.Logger, _clientAddress, _storageFailure.ToString());
        ResetTransaction();
    }

    private async ValueTask CommitMessageAsync()
    {
        CommitResult result = await _server.Store.CommitAsync(_message);
        if (result == CommitResult.Committed)
        {
            Span<byte> reply = stackalloc byte[64];
            "250 2.0.0 Ok: queued as "u8.CopyTo(reply);
            int length = 24 + _message.QueueId.Format(reply[24..]);
            "\r\n"u8.CopyTo(reply[length..]);
            Reply(reply[..(length + 2)]);
            _messagesAccepted++;
            SessionLog.MessageQueued(_server.Logger, _message.QueueId, _clientAddress, _message.Recipients.Count, _message.Body.Length);
            FastSmtp.Metrics.SmtpMetrics.MessagesAccepted.Add(1);

            // The spool owns a spilled body's file now.
            _message.Body.Reset(keepFile: true);
        }
        else
        {
            Reply(result == CommitResult.InsufficientStorage ? SmtpReplies.InsufficientStorage : SmtpReplies.StorageError);
            SessionLog.MessageNotQueued(_server.Logger, _clientAddress, result.ToString());
        }

        ResetTransaction();
    }

    private void BeginMessage()
    {
        _messageStarted = true;
        _message.QueueId = QueueId.Next();
        _message.ReceivedAt = DateTimeOffset.UtcNow;
        _message.ClientAddress = _clientAddress;
        _message.HeloName = _heloName;
        _message.Protocol = Protocol;
        WriteReceivedHeader();
    }

    /// <summary>RFC 5321 4.4 trace header, with the RFC 3848 protocol name.</summary>
    private void WriteReceivedHeader()
    {
        MessageBody body = _message.Body;
        Span<byte> scratch = stackalloc byte[64];
        body.Append("Received: from "u8);
        AppendHeaderText(body, _heloName);
        body.Append(_clientIsIPv6 ? " ([IPv6:"u8 : " (["u8);
        AppendHeaderText(body, _clientAddress);
        body.Append("])\r\n\tby "u8);
        body.Append(_server.HostnameUtf8);
        body.Append(" (FastSmtp) with "u8);
        body.Append(_message.Protocol switch
        {
            MessageProtocol.Smtp => "SMTP"u8,
            MessageProtocol.Esmtp => "ESMTP"u8,
            MessageProtocol.Esmtps => "ESMTPS"u8,
            MessageProtocol.Esmtpa => "ESMTPA"u8,
            _ => "ESMTPSA"u8,
        });
        body.Append(" id "u8);
        body.Append(scratch[.._message.QueueId.Format(scratch)]);
        if (_message.Recipients.Count == 1)
        {
            body.Append("\r\n\tfor <"u8);
            AppendHeaderText(body, _message.Recipients[0].Address);
            body.Append(">"u8);
        }

        body.Append(";\r\n\t"u8);
        _message.ReceivedAt.UtcDateTime.TryFormat(scratch, out int written, "ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture);
        body.Append(scratch[..written]);
        body.Append("\r\n"u8);
    }

    /// <summary>Client-chosen text in a header: UTF-8, with control characters made harmless.</summary>
    private static void AppendHeaderText(MessageBody body, string text)
    {
        Span<byte> buffer = stackalloc byte[1536];
        int length = Encoding.UTF8.GetBytes(text.AsSpan(0, Math.Min(text.Length, 512)), buffer);
        Span<byte> bytes = buffer[..length];
        foreach (ref byte b in bytes)
        {
            if (b is < 0x20 or 0x7F)
            {
                b = (byte)'?';
            }
        }

        body.Append(bytes);
    }

    private void ResetTransaction()
    {
        _message.Reset();
        ResetMessageState();
        if (_state == SessionState.InTransaction)
        {
            _state = SessionState.Ready;
        }
    }

    private void ResetMessageState()
    {
        _senderLength = 0;
        _headersLength = 0;
        if (_headers is not null)
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(_headers);
            _headers = null;
        }

        _contentLength = 0;
        _oversize = false;
        _storageFailure = CommitResult.Committed;
        _messageStarted = false;
        _chunkRemaining = 0;
        _chunkLast = false;
        _chunkRefusal = ChunkRefusal.None;
    }
}
