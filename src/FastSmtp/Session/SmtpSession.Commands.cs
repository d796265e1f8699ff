using System.Buffers;
using System.Text;
using FastSmtp.Metrics;
using FastSmtp.Policy;
using FastSmtp.Protocol;
using FastSmtp.Queue;

namespace FastSmtp.Session;

internal sealed partial class SmtpSession
{
    /// <summary>One switch from verb to handler (the parser has already recognised the verb).</summary>
    internal void OnCommand(SmtpVerb verb, ReadOnlySpan<byte> arguments)
    {
        SmtpMetrics.Command(verb);
        _verb = verb;
        switch (verb)
        {
            case SmtpVerb.Ehlo: OnHello(arguments, extended: true); break;
            case SmtpVerb.Helo: OnHello(arguments, extended: false); break;
            case SmtpVerb.Mail: OnMail(arguments); break;
            case SmtpVerb.Rcpt: OnRcpt(arguments); break;
            case SmtpVerb.Data: OnData(arguments); break;
            case SmtpVerb.Bdat: OnBdat(arguments); break;
            case SmtpVerb.Rset: OnRset(arguments); break;
            case SmtpVerb.Noop: Reply(SmtpReplies.Ok); break;
            case SmtpVerb.Quit: OnQuit(arguments); break;
            case SmtpVerb.Vrfy: OnVrfy(arguments); break;
            case SmtpVerb.Expn: OnExpn(arguments); break;
            case SmtpVerb.Help: Reply(SmtpReplies.Help); break;
            case SmtpVerb.StartTls: OnStartTls(arguments); break;
            case SmtpVerb.Auth: OnAuth(arguments); break;
            default: Refuse(SmtpReplies.UnknownCommand); break;
        }
    }

    internal void OnRejected(CommandRejection rejection)
    {
        switch (rejection)
        {
            case CommandRejection.LineTooLong:
                Refuse(SmtpReplies.LineTooLong);
                _mode = InputMode.DiscardLine;
                if (_policy.CheckOverlongLine().Outcome == PolicyOutcome.ClientDenied)
                {
                    // "More than 512 characters in anything but DATA looks like an attempt to
                    // hack in": deny the address until restart, log it, and hang up.
                    if (_server.AutoDeny.Deny(_client))
                    {
                        SmtpMetrics.AutoDenials.Add(1);
                        SessionLog.AutoDenied(_server.Logger, _clientAddress);
                    }

                    _action = PendingAction.Close;
                }

                break;
            case CommandRejection.BareLineFeed:
                Refuse(SmtpReplies.BareLineFeedInCommand);
                break;
        }
    }

    private void OnHello(ReadOnlySpan<byte> arguments, bool extended)
    {
        ReadOnlySpan<byte> name = arguments.Trim((byte)' ');
        // A name that is not UTF-8 would reach the Received: field as replacement characters.
        if (name.IsEmpty || !System.Text.Unicode.Utf8.IsValid(name))
        {
            Refuse(extended ? SmtpReplies.EhloSyntax : SmtpReplies.HeloSyntax);
            return;
        }

        // RFC 5321 4.1.4: HELO/EHLO mid-transaction resets it, as RSET would.
        ResetTransaction();
        _heloName = Encoding.UTF8.GetString(name);

        _esmtp = extended;
        _state = SessionState.Ready;
        Reply(extended ? _server.EhloReply(_tls is not null, _policy.AdvertisesAuth(_tls is not null, _client)) : _server.HeloReply);
    }

    private void OnMail(ReadOnlySpan<byte> arguments)
    {
        if (_state == SessionState.Connected)
        {
            Refuse(SmtpReplies.SendHeloFirst);
            return;
        }

        if (_state == SessionState.InTransaction)
        {
            Refuse(SmtpReplies.NestedMail);
            return;
        }

        if (RefuseMessageRate())
        {
            return;
        }

        PathError error = SmtpPathParser.TryParseMailFrom(arguments, out ReadOnlySpan<byte> mailbox, out ReadOnlySpan<byte> parameters);
        if (error != PathError.None)
        {
            Refuse(error == PathError.MissingKeyword ? SmtpReplies.MailSyntax : SmtpReplies.BadSender);
            return;
        }

        ParameterError invalid = SmtpParameterParser.TryParseMail(parameters, out MailParameters mail);
        if (invalid != ParameterError.None)
        {
            Refuse(invalid == ParameterError.BadValue ? SmtpReplies.BadParameterValue : SmtpReplies.UnsupportedParameter);
            return;
        }

        if (mail.Size > _server.Options.MaxMessageSize)
        {
            Refuse(SmtpReplies.MessageTooBig, "--max-message-size");
            return;
        }

        if (!mail.SmtpUtf8 && !Ascii.IsValid(mailbox))
        {
            Refuse(SmtpReplies.NeedsSmtpUtf8);
            return;
        }

        PolicyDecision sender = _policy.CheckSender(mailbox);
        SmtpMetrics.PolicyDecision(sender, "mail");
        if (!sender.Accepted)
        {
            RefuseByPolicy(sender, mailbox);
            return;
        }

        PendingMessage message = _transaction.Message;
        message.MailFrom = mailbox.IsEmpty ? string.Empty : Encoding.UTF8.GetString(mailbox);
        _transaction.SetSender(mailbox);
        message.SmtpUtf8 = mail.SmtpUtf8;
        message.EightBitMime = mail.EightBitMime;
        message.Return = mail.Return;
        message.EnvelopeId = mail.EnvelopeId.IsEmpty ? null : Encoding.ASCII.GetString(mail.EnvelopeId);
        _state = SessionState.InTransaction;
        if (_server.Options.InflowDelayBacklog > 0 && _server.Store.Backlog >= _server.Options.InflowDelayBacklog)
        {
            _action = PendingAction.DelayInflow;
            return;
        }

        Reply(SmtpReplies.MailOk);
    }

    /// <summary>
    /// The queue is past its bound: MAIL's 250 waits (pipelined commands after it wait in the
    /// buffer) until delivery has brought the backlog under the bound, looking every 100 ms, at
    /// most --inflow-delay; so senders, together, slow to the rate delivery keeps up with.
    /// </summary>
    private async Task DelayInflowAsync()
    {
        await FlushAsync();
        TimeSpan limit = _server.Options.InflowDelay;
        TimeSpan step = TimeSpan.FromTicks(Math.Min(limit.Ticks, InflowPollInterval.Ticks));
        TimeSpan waited = TimeSpan.Zero;
        try
        {
            while (waited < limit && _server.Store.Backlog >= _server.Options.InflowDelayBacklog)
            {
                await Task.Delay(step, _server.Time, _stopping);
                waited += step;
            }
        }
        catch (OperationCanceledException)
        {
            // The server stops: the transaction goes on at once (it still gets its 250s).
        }

        SmtpMetrics.InflowDelayed(waited);
        Reply(SmtpReplies.MailOk);
    }

    private static readonly TimeSpan InflowPollInterval = TimeSpan.FromMilliseconds(100);

    private void OnRcpt(ReadOnlySpan<byte> arguments)
    {
        if (_state != SessionState.InTransaction)
        {
            Refuse(_state == SessionState.Connected ? SmtpReplies.SendHeloFirst : SmtpReplies.NeedMail);
            return;
        }

        if (_transaction.Message.Recipients.Count >= _server.Options.MaxRecipients)
        {
            Refuse(SmtpReplies.TooManyRecipients, "--max-recipients");
            return;
        }

        if (RefuseRecipientRate())
        {
            return;
        }

        PathError error = SmtpPathParser.TryParseRcptTo(arguments, out ReadOnlySpan<byte> mailbox, out ReadOnlySpan<byte> parameters);
        if (error != PathError.None)
        {
            Refuse(error == PathError.MissingKeyword ? SmtpReplies.RcptSyntax : SmtpReplies.BadRecipient);
            return;
        }

        ParameterError invalid = SmtpParameterParser.TryParseRcpt(parameters, out RcptParameters rcpt);
        if (invalid != ParameterError.None)
        {
            Refuse(invalid == ParameterError.BadValue ? SmtpReplies.BadParameterValue : SmtpReplies.UnsupportedParameter);
            return;
        }

        if (!_transaction.Message.SmtpUtf8 && !Ascii.IsValid(mailbox))
        {
            Refuse(SmtpReplies.NeedsSmtpUtf8);
            return;
        }

        RecipientNotify notify = rcpt.Notify;
        string? orcpt = rcpt.OriginalRecipient.IsEmpty ? null : Encoding.ASCII.GetString(rcpt.OriginalRecipient);
        PolicyDecision decision = _policy.CheckRecipient(_client, _transaction.Sender, mailbox, _authenticatedUser is not null);
        SmtpMetrics.PolicyDecision(decision, "rcpt");
        if (_policy.NeedsDns(decision, mailbox, _client, _authenticatedUser is not null, HasDns))
        {
            // The backup-server rule or the dnsbl filter: answered once DNS has (in order, since
            // nothing after this command is read until then).
            _held.Hold(mailbox, decision, notify, orcpt);
            _action = PendingAction.CheckRecipientDns;
            return;
        }

        if (!decision.Accepted)
        {
            RefuseByPolicy(decision, mailbox);
            return;
        }

        AddRecipients(mailbox, decision.Reason, notify, orcpt);
        Reply(SmtpReplies.RcptOk);
    }

    /// <summary>Scratch for a local recipient's final addresses (aliases and groups expanded), reused.</summary>
    private readonly List<string> _finals = [];

    /// <summary>
    /// Queues an accepted recipient as its final addresses (aliases and groups expanded, local
    /// users in canonical form), each once per message: a final address reached twice gets one copy.
    /// </summary>
    private void AddRecipients(ReadOnlySpan<byte> mailbox, PolicyReason reason, RecipientNotify notify, string? orcpt)
    {
        if (reason is not (PolicyReason.LocalUser or PolicyReason.LocalAlias or PolicyReason.LocalGroup or PolicyReason.Postmaster))
        {
            _transaction.AddRecipientOnce(new SpoolRecipient(Encoding.UTF8.GetString(mailbox), notify, orcpt));
            return;
        }

        _finals.Clear();
        _policy.Expand(mailbox, _finals);
        if (reason != PolicyReason.LocalUser && reason != PolicyReason.Postmaster)
        {
            // RFC 3461 4.2: the address as the client gave it, so a DSN can name what it asked for.
            orcpt ??= "rfc822;" + Encoding.UTF8.GetString(mailbox);
        }

        foreach (string final in _finals)
        {
            _transaction.AddRecipientOnce(new SpoolRecipient(final, notify, orcpt));
        }
    }

    private void OnRset(ReadOnlySpan<byte> arguments)
    {
        if (!arguments.Trim((byte)' ').IsEmpty)
        {
            Refuse(SmtpReplies.RsetSyntax);
            return;
        }

        ResetTransaction();
        Reply(SmtpReplies.Ok);
    }

    private void OnQuit(ReadOnlySpan<byte> arguments)
    {
        if (!arguments.Trim((byte)' ').IsEmpty)
        {
            Refuse(SmtpReplies.QuitSyntax);
            return;
        }

        Reply(SmtpReplies.Bye);
        _action = PendingAction.Close;
    }

    private void OnVrfy(ReadOnlySpan<byte> arguments)
    {
        ReadOnlySpan<byte> address = Unbracket(arguments);
        PolicyDecision decision = _policy.Verify(address);
        SmtpMetrics.PolicyDecision(decision, "vrfy");
        if (decision.Outcome != PolicyOutcome.VrfyDisabled && address.IsEmpty)
        {
            Refuse(SmtpReplies.VrfySyntax);
            return;
        }

        switch (decision.Outcome)
        {
            case PolicyOutcome.Accept:
                Reply("250 2.1.5 <"u8, address, ">\r\n"u8);
                break;
            case PolicyOutcome.CannotVerify:
                ReplyByPolicy(decision.Outcome, address);
                break;
            default:
                RefuseByPolicy(decision, address);
                break;
        }
    }

    private void OnExpn(ReadOnlySpan<byte> arguments)
    {
        ReadOnlySpan<byte> address = Unbracket(arguments);
        if (address.IsEmpty)
        {
            Refuse(SmtpReplies.ExpnSyntax);
            return;
        }

        PolicyDecision decision = _policy.ExpandGroup(address, _authenticatedUser is not null, out int group);
        SmtpMetrics.PolicyDecision(decision, "expn");
        if (!decision.Accepted)
        {
            RefuseByPolicy(decision, address);
            return;
        }

        ReadOnlySpan<byte> members = _policy.GroupMembers(group);
        while (!members.IsEmpty)
        {
            int comma = members.IndexOf((byte)',');
            ReadOnlySpan<byte> member = comma < 0 ? members : members[..comma];
            members = comma < 0 ? default : members[(comma + 1)..];
            Reply(members.IsEmpty ? "250 2.1.5 <"u8 : "250-2.1.5 <"u8, member, ">\r\n"u8);
        }
    }

    private static ReadOnlySpan<byte> Unbracket(ReadOnlySpan<byte> arguments)
    {
        ReadOnlySpan<byte> text = arguments.Trim((byte)' ');
        return text.Length >= 2 && text[0] == (byte)'<' && text[^1] == (byte)'>' ? text[1..^1] : text;
    }

    private void OnStartTls(ReadOnlySpan<byte> arguments)
    {
        if (!arguments.IsEmpty)
        {
            Refuse(SmtpReplies.StartTlsSyntax);
        }
        else if (_server.TlsOptions is null)
        {
            Refuse(SmtpReplies.NotImplemented);
        }
        else if (_tls is not null)
        {
            Refuse(SmtpReplies.TlsAlreadyActive);
        }
        else
        {
            Reply(SmtpReplies.ReadyToStartTls);
            _action = PendingAction.StartTls;
        }
    }
}
