using System.Buffers;
using System.Buffers.Text;
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

        bool smtpUtf8 = false;
        bool eightBit = false;
        long size = 0;
        DsnReturn dsnReturn = DsnReturn.Default;
        ReadOnlySpan<byte> envelopeId = default;
        foreach (SmtpParameter parameter in new SmtpParameterEnumerator(parameters))
        {
            if (Ascii.EqualsIgnoreCase(parameter.Keyword, "SIZE"u8))
            {
                if (!parameter.HasValue || !Utf8Parser.TryParse(parameter.Value, out size, out int used) || used != parameter.Value.Length || size < 0)
                {
                    Refuse(SmtpReplies.BadParameterValue);
                    return;
                }

                if (size > _server.Options.MaxMessageSize)
                {
                    Refuse(SmtpReplies.MessageTooBig);
                    return;
                }
            }
            else if (Ascii.EqualsIgnoreCase(parameter.Keyword, "BODY"u8))
            {
                if (Ascii.EqualsIgnoreCase(parameter.Value, "8BITMIME"u8))
                {
                    eightBit = true;
                }
                else if (!Ascii.EqualsIgnoreCase(parameter.Value, "7BIT"u8))
                {
                    Refuse(SmtpReplies.BadParameterValue);
                    return;
                }
            }
            else if (Ascii.EqualsIgnoreCase(parameter.Keyword, "SMTPUTF8"u8) && !parameter.HasValue)
            {
                smtpUtf8 = true;
            }
            else if (Ascii.EqualsIgnoreCase(parameter.Keyword, "RET"u8))
            {
                dsnReturn = Ascii.EqualsIgnoreCase(parameter.Value, "FULL"u8) ? DsnReturn.Full
                    : Ascii.EqualsIgnoreCase(parameter.Value, "HDRS"u8) ? DsnReturn.Headers
                    : DsnReturn.Default;
                if (dsnReturn == DsnReturn.Default)
                {
                    Refuse(SmtpReplies.BadParameterValue);
                    return;
                }
            }
            else if (Ascii.EqualsIgnoreCase(parameter.Keyword, "ENVID"u8))
            {
                // RFC 3461 4.4: xtext, at most 100 characters.
                if (!parameter.HasValue || parameter.Value.Length > 100 || !IsXtext(parameter.Value))
                {
                    Refuse(SmtpReplies.BadParameterValue);
                    return;
                }

                envelopeId = parameter.Value;
            }
            else if (Ascii.EqualsIgnoreCase(parameter.Keyword, "AUTH"u8))
            {
                // RFC 4954 5: may be ignored by a server that did not authenticate the client.
            }
            else
            {
                Refuse(SmtpReplies.UnsupportedParameter);
                return;
            }
        }

        if (!smtpUtf8 && !Ascii.IsValid(mailbox))
        {
            Refuse(SmtpReplies.NeedsSmtpUtf8);
            return;
        }

        PolicyDecision sender = _policy.CheckSender(mailbox);
        if (!sender.Accepted)
        {
            RefuseByPolicy(sender.Outcome, mailbox);
            return;
        }

        PendingMessage message = _transaction.Message;
        message.MailFrom = mailbox.IsEmpty ? string.Empty : Encoding.UTF8.GetString(mailbox);
        _transaction.SetSender(mailbox);
        message.SmtpUtf8 = smtpUtf8;
        message.EightBitMime = eightBit;
        message.Return = dsnReturn;
        message.EnvelopeId = envelopeId.IsEmpty ? null : Encoding.ASCII.GetString(envelopeId);
        _state = SessionState.InTransaction;
        Reply(SmtpReplies.MailOk);
    }

    private void OnRcpt(ReadOnlySpan<byte> arguments)
    {
        if (_state != SessionState.InTransaction)
        {
            Refuse(_state == SessionState.Connected ? SmtpReplies.SendHeloFirst : SmtpReplies.NeedMail);
            return;
        }

        if (_transaction.Message.Recipients.Count >= _server.Options.MaxRecipients)
        {
            Refuse(SmtpReplies.TooManyRecipients);
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

        RecipientNotify notify = RecipientNotify.Default;
        ReadOnlySpan<byte> originalRecipient = default;
        foreach (SmtpParameter parameter in new SmtpParameterEnumerator(parameters))
        {
            if (Ascii.EqualsIgnoreCase(parameter.Keyword, "NOTIFY"u8))
            {
                if (!TryParseNotify(parameter.Value, out notify))
                {
                    Refuse(SmtpReplies.BadParameterValue);
                    return;
                }
            }
            else if (Ascii.EqualsIgnoreCase(parameter.Keyword, "ORCPT"u8))
            {
                // RFC 3461 4.2: addr-type ";" xtext, addr-type an atom ("rfc822", "utf-8").
                int semicolon = parameter.Value.IndexOf((byte)';');
                if (semicolon <= 0 || !IsAddressType(parameter.Value[..semicolon]) || !IsXtext(parameter.Value[(semicolon + 1)..]))
                {
                    Refuse(SmtpReplies.BadParameterValue);
                    return;
                }

                originalRecipient = parameter.Value;
            }
            else
            {
                Refuse(SmtpReplies.UnsupportedParameter);
                return;
            }
        }

        if (!_transaction.Message.SmtpUtf8 && !Ascii.IsValid(mailbox))
        {
            Refuse(SmtpReplies.NeedsSmtpUtf8);
            return;
        }

        string? orcpt = originalRecipient.IsEmpty ? null : Encoding.ASCII.GetString(originalRecipient);
        PolicyDecision decision = _policy.CheckRecipient(_client, _transaction.Sender, mailbox, _authenticatedUser is not null);
        SmtpMetrics.PolicyDecision(decision);
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
            RefuseByPolicy(decision.Outcome, mailbox);
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
        if (decision.Outcome != PolicyOutcome.VrfyDisabled && address.IsEmpty)
        {
            Refuse(SmtpReplies.VrfySyntax);
            return;
        }

        switch (decision.Outcome)
        {
            case PolicyOutcome.Accept:
                WriteAddressReply("250 2.1.5 <"u8, address, ">\r\n"u8);
                break;
            case PolicyOutcome.CannotVerify:
                Reply(SmtpReplies.CannotVerify);
                break;
            case PolicyOutcome.VrfyDisabled:
                Refuse(SmtpReplies.CommandNotImplemented);
                break;
            default:
                RefuseByPolicy(decision.Outcome, address);
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
        if (!decision.Accepted)
        {
            Refuse(decision.Outcome == PolicyOutcome.NotAGroup ? SmtpReplies.NoSuchList : SmtpReplies.ListsAreConfidential);
            return;
        }

        ReadOnlySpan<byte> members = _policy.GroupMembers(group);
        while (!members.IsEmpty)
        {
            int comma = members.IndexOf((byte)',');
            ReadOnlySpan<byte> member = comma < 0 ? members : members[..comma];
            members = comma < 0 ? default : members[(comma + 1)..];
            WriteAddressReply(members.IsEmpty ? "250 2.1.5 <"u8 : "250-2.1.5 <"u8, member, ">\r\n"u8);
        }
    }

    private static ReadOnlySpan<byte> Unbracket(ReadOnlySpan<byte> arguments)
    {
        ReadOnlySpan<byte> text = arguments.Trim((byte)' ');
        return text.Length >= 2 && text[0] == (byte)'<' && text[^1] == (byte)'>' ? text[1..^1] : text;
    }

    private void WriteAddressReply(ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> address, ReadOnlySpan<byte> suffix)
    {
        _output.Write(prefix);
        _output.Write(address[..Math.Min(address.Length, SmtpPathParser.MaxPathLength)]);
        _output.Write(suffix);
        _repliesPending = true;
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

    /// <summary>RFC 3461 4.1: NEVER, or a comma list of SUCCESS, FAILURE and DELAY.</summary>
    private static bool TryParseNotify(ReadOnlySpan<byte> value, out RecipientNotify notify)
    {
        notify = RecipientNotify.Default;
        foreach (Range range in value.Split((byte)','))
        {
            ReadOnlySpan<byte> item = value[range];
            RecipientNotify flag = Ascii.EqualsIgnoreCase(item, "NEVER"u8) ? RecipientNotify.Never
                : Ascii.EqualsIgnoreCase(item, "SUCCESS"u8) ? RecipientNotify.Success
                : Ascii.EqualsIgnoreCase(item, "FAILURE"u8) ? RecipientNotify.Failure
                : Ascii.EqualsIgnoreCase(item, "DELAY"u8) ? RecipientNotify.Delay
                : RecipientNotify.Default;
            if (flag == RecipientNotify.Default)
            {
                return false;
            }

            notify |= flag;
        }

        return notify != RecipientNotify.Default && (notify == RecipientNotify.Never || (notify & RecipientNotify.Never) == 0);
    }

    private static bool IsAddressType(ReadOnlySpan<byte> value) =>
        value.Length <= 64 && !value.ContainsAnyExcept(s_addressTypeCharacters);

    private static readonly SearchValues<byte> s_addressTypeCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-"u8);

    /// <summary>RFC 3461 4: xtext is printable ASCII from '!' to '~' except '+' and '=', with "+XX" hex escapes.</summary>
    private static bool IsXtext(ReadOnlySpan<byte> value)
    {
        for (int i = 0; i < value.Length; i++)
        {
            byte b = value[i];
            if (b == (byte)'+')
            {
                if (i + 2 >= value.Length || !char.IsAsciiHexDigitUpper((char)value[i + 1]) || !char.IsAsciiHexDigitUpper((char)value[i + 2]))
                {
                    return false;
                }

                i += 2;
            }
            else if (b is < 33 or > 126 || b == (byte)'=')
            {
                return false;
            }
        }

        return true;
    }
}
