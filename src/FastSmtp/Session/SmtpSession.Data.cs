using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text;
using FastSmtp.Metrics;
using FastSmtp.Policy;
using FastSmtp.Protocol;
using FastSmtp.Queue;

namespace FastSmtp.Session;

internal sealed partial class SmtpSession
{
    private DataDecoder _decoder;
    private LineEndingValidator _chunkValidator;

    /// <summary>RFC 3848 protocol names.</summary>
    private MessageProtocol Protocol => (_esmtp, _tls is not null, _authenticatedUser is not null) switch
    {
        (false, _, _) => MessageProtocol.Smtp,
        (true, false, false) => MessageProtocol.Esmtp,
        (true, true, false) => MessageProtocol.Esmtps,
        (true, false, true) => MessageProtocol.Esmtpa,
        (true, true, true) => MessageProtocol.Esmtpsa,
    };

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
            _ when _transaction.Started => SmtpReplies.DataAfterBdat,
            _ when _transaction.Message.Recipients.Count == 0 => SmtpReplies.NoValidRecipients,
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

        _transaction.ChunkRemaining = size;
        _transaction.ChunkLast = last;
        _transaction.ChunkRefusal = _state switch
        {
            SessionState.Connected => ChunkRefusal.SendHeloFirst,
            SessionState.Ready => ChunkRefusal.NeedMail,
            _ when _transaction.Message.Recipients.Count == 0 => ChunkRefusal.NoValidRecipients,
            _ when _transaction.ContentLength + size > _server.Options.MaxMessageSize => ChunkRefusal.MessageTooBig,
            _ => ChunkRefusal.None,
        };
        if (_transaction.ChunkRefusal == ChunkRefusal.None && !_transaction.Started)
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
        if (_transaction.Oversize)
        {
            Refuse(SmtpReplies.MessageTooBig, "--max-message-size");
            ResetTransaction();
        }
        else if (_transaction.StorageFailure != CommitResult.Committed)
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
        if (_transaction.ChunkRemaining > 0)
        {
            long take = Math.Min(_transaction.ChunkRemaining, reader.Remaining);
            if (take == 0)
            {
                return false;
            }

            if (_transaction.ChunkRefusal == ChunkRefusal.None)
            {
                foreach (ReadOnlyMemory<byte> segment in reader.UnreadSequence.Slice(0, take))
                {
                    _chunkValidator.Check(segment.Span);
                    AppendContent(segment.Span);
                }
            }

            reader.Advance(take);
            _transaction.ChunkRemaining -= take;
            if (_transaction.ChunkRemaining > 0)
            {
                return false;
            }
        }

        _mode = InputMode.Commands;
        switch (_transaction.ChunkRefusal)
        {
            case ChunkRefusal.SendHeloFirst: Refuse(SmtpReplies.SendHeloFirst); return true;
            case ChunkRefusal.NeedMail: Refuse(SmtpReplies.NeedMail); return true;
            case ChunkRefusal.NoValidRecipients: Refuse(SmtpReplies.NoValidRecipients); return true;
            case ChunkRefusal.MessageTooBig:
                // RFC 3030 2: after a failed chunk the transaction has failed; chunks already in
                // the pipeline are read and refused (they meet "need MAIL").
                Refuse(SmtpReplies.MessageTooBig, "--max-message-size");
                ResetTransaction();
                return true;
        }

        if (!_transaction.ChunkLast)
        {
            Span<byte> reply = stackalloc byte[64];
            "250 2.0.0 "u8.CopyTo(reply);
            Utf8Formatter.TryFormat(_transaction.ContentLength, reply[10..], out int digits);
            int length = 10 + digits;
            " octets received\r\n"u8.CopyTo(reply[length..]);
            Reply(reply[..(length + 18)]);
            return true;
        }

        _chunkValidator.Complete();
        if (_transaction.StorageFailure != CommitResult.Committed)
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
        PolicyDecision decision = _policy.CheckMessage(_transaction.NullSender, _transaction.Headers);
        SmtpMetrics.PolicyDecision(decision, "data");
        if (!decision.Accepted)
        {
            RefuseByPolicy(decision);
            ResetTransaction();
            return;
        }

        _action = PendingAction.CommitMessage;
    }

    /// <summary>Takes decoded content into the transaction, with the header block when the policy will read it.</summary>
    internal void AppendContent(ReadOnlySpan<byte> content) =>
        _transaction.Append(content, keepHeaders: _policy.NeedsHeaders(_transaction.NullSender), _server.Options.MaxMessageSize, _server.Store);

    private void RefuseForStorage()
    {
        Refuse(_transaction.StorageFailure == CommitResult.InsufficientStorage ? SmtpReplies.InsufficientStorage : SmtpReplies.StorageError);
        SessionLog.MessageNotQueued(_server.Logger, _clientAddress, _transaction.StorageFailure.ToString());
        ResetTransaction();
    }

    private async ValueTask CommitMessageAsync()
    {
        CommitResult result = await _server.Store.CommitAsync(_transaction.Message);
        if (result == CommitResult.Committed)
        {
            Span<byte> reply = stackalloc byte[64];
            "250 2.0.0 Ok: queued as "u8.CopyTo(reply);
            int length = 24 + _transaction.Message.QueueId.Format(reply[24..]);
            "\r\n"u8.CopyTo(reply[length..]);
            Reply(reply[..(length + 2)]);
            _messagesAccepted++;
            SessionLog.MessageQueued(_server.Logger, _transaction.Message.QueueId, _clientAddress, _transaction.Message.Recipients.Count, _transaction.Message.Body.Length);
            FastSmtp.Metrics.SmtpMetrics.MessagesAccepted.Add(1);

            // The spool owns a spilled body's file now.
            _transaction.Message.Body.Reset(keepFile: true);
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
        _transaction.Started = true;
        _transaction.Message.QueueId = QueueId.Next();
        _transaction.Message.ReceivedAt = _server.Time.GetUtcNow();
        _transaction.Message.ClientAddress = _clientAddress;
        _transaction.Message.HeloName = _heloName;
        _transaction.Message.Protocol = Protocol;
        WriteReceivedHeader();
    }

    /// <summary>RFC 5321 4.4 trace header, with the RFC 3848 protocol name.</summary>
    private void WriteReceivedHeader()
    {
        MessageBody body = _transaction.Message.Body;
        Span<byte> scratch = stackalloc byte[64];
        body.Append("Received: from "u8);
        AppendHeaderText(body, _heloName);
        body.Append(_clientIsIPv6 ? " ([IPv6:"u8 : " (["u8);
        AppendHeaderText(body, _clientAddress);
        body.Append("])\r\n\tby "u8);
        body.Append(_server.HostnameUtf8);
        body.Append(" (FastSmtp) with "u8);
        body.Append(_transaction.Message.Protocol switch
        {
            MessageProtocol.Smtp => "SMTP"u8,
            MessageProtocol.Esmtp => "ESMTP"u8,
            MessageProtocol.Esmtps => "ESMTPS"u8,
            MessageProtocol.Esmtpa => "ESMTPA"u8,
            _ => "ESMTPSA"u8,
        });
        body.Append(" id "u8);
        body.Append(scratch[.._transaction.Message.QueueId.Format(scratch)]);
        if (_transaction.Message.Recipients.Count == 1)
        {
            body.Append("\r\n\tfor <"u8);
            AppendHeaderText(body, _transaction.Message.Recipients[0].Address);
            body.Append(">"u8);
        }

        body.Append(";\r\n\t"u8);
        _transaction.Message.ReceivedAt.UtcDateTime.TryFormat(scratch, out int written, "ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture);
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
        _transaction.Reset();
        if (_state == SessionState.InTransaction)
        {
            _state = SessionState.Ready;
        }
    }
}
