using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Runtime.CompilerServices;
using FastSmtp.Metrics;
using FastSmtp.Policy;
using FastSmtp.Protocol;
using FastSmtp.Queue;
using System.Text;
using Microsoft.AspNetCore.Connections;

namespace FastSmtp.Session;

/// <summary>
/// One SMTP connection: reads the pipe, feeds complete lines to the stateless parser, and writes
/// replies without flushing until it has run out of input, so a pipelined group (RFC 2920) is
/// answered in one flush. Reset and reused from connection to connection.
/// </summary>
internal sealed partial class SmtpSession
{
    private readonly SmtpServerContext _server;

    // The session's state, each part with its own reset: the mail transaction, an AUTH
    // exchange, a recipient waiting for DNS, the data-rate meter (AUTH and Limits partials).
    private readonly MailTransaction _transaction = new();
    private readonly HeldRecipient _held = new();
    private CancellationTokenSource _readTimeout;

    /// <summary>The server's stopping: waits inside a session (AUTH's delay, DNS) end with it.</summary>
    private CancellationToken _stopping;
    private IDuplexPipe _transport = null!;
    private PipeReader _input = null!;
    private PipeWriter _output = null!;
    private SslStream? _tls;
    private IPAddress _client = IPAddress.None;
    private SecurityPolicy _policy = null!;
    private string _clientAddress = string.Empty;
    private bool _clientIsIPv6;
    private string _heloName = string.Empty;
    private SessionState _state;
    private InputMode _mode;
    private PendingAction _action;
    private bool _esmtp;
    private bool _repliesPending;
    private bool _replyContinues;
    private volatile bool _stopRequested;
    private int _errors;
    private int _messagesAccepted;
    private bool _openingChecked;

    /// <summary>The command being answered (for the refusal log's stage); Unknown before the first.</summary>
    private SmtpVerb _verb;

    /// <summary>The greeting has gone out: a refusal before it is at CONNECT.</summary>
    private bool _greeted;

    public SmtpSession(SmtpServerContext server)
    {
        _server = server;
        _readTimeout = NewReadTimeout();
        _dataRate = new DataRateMeter(server.Time, server.Options.MinDataRate, server.Options.MinDataRateGrace, server.Options.DataTimeout);
    }

    /// <summary>The message being received; exposed for tests and benchmarks.</summary>
    internal PendingMessage Message => _transaction.Message;

    /// <summary>
    /// Serves one connection until QUIT, timeout, error limit, shutdown, or the client leaving.
    /// <paramref name="remoteAddress"/> is the client's: the connection's peer, or the client a
    /// listed load balancer named in its PROXY header. <paramref name="policy"/> is the one the
    /// connection was admitted under; the active one when none is given.
    /// </summary>
    /// <remarks>
    /// This and <see cref="ServeAsync"/> suspend whenever the client keeps the session waiting;
    /// their state machines come from the runtime's pool, which serves a connection that follows
    /// another (it is small: hundreds of sessions at once still make some new ones).
    /// </remarks>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask RunAsync(IDuplexPipe transport, IPAddress? remoteAddress, CancellationToken stopping, SecurityPolicy? policy = null)
    {
        _transport = transport;
        _input = transport.Input;
        _output = transport.Output;

        remoteAddress = remoteAddress is null ? null : ClientAddress.Unmapped(remoteAddress);

        _client = remoteAddress ?? IPAddress.None;

        // Every answer of this session comes from the policy active when it started, even across a reload.
        _policy = policy ?? _server.Policy.Current;
        _rateLimited = !_server.Limits.IsExempt(_policy, _client);
        _clientAddress = remoteAddress?.ToString() ?? "unknown";
        _clientIsIPv6 = remoteAddress?.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        _stopping = stopping;
        string outcome = "client vanished";
        using CancellationTokenRegistration stopRegistration = stopping.Register(static state => ((SmtpSession)state!).OnServerStopping(), this);
        try
        {
            PolicyDecision admitted = _policy.CheckClient(_client, _server.AutoDeny);
            SmtpMetrics.PolicyDecision(admitted, "connect");
            if (!admitted.Accepted)
            {
                // deny.txt and auto-denied clients get 554 at connect, then the connection is closed.
                string rule = admitted.Reason == PolicyReason.AutoDenied ? "auto-denied (" + admitted.RuleText + ")" : admitted.RuleText;
                PolicyReplies.Compose(admitted.Outcome, default, out ReadOnlySpan<byte> head, out _, out _);
                Reply(head);
                LogRefusal(head, default, default, default, rule);
                await FlushAsync();
                outcome = "access denied";
                return;
            }

            Reply(_server.Greeting);
            _greeted = true;
            await FlushAsync();
            outcome = await ServeAsync();
        }
        catch (IOException)
        {
            outcome = "connection lost";
        }
        catch (ConnectionAbortedException)
        {
            outcome = "connection aborted";
        }
        finally
        {
            // A message that did not reach the spool is dropped now: its pooled buffers go back
            // and a spill file is deleted, whatever ended the session.
            ResetTransaction();
            SessionLog.SessionEnded(_server.Logger, _clientAddress, outcome, _messagesAccepted);
            await EndTlsAsync();
        }
    }

    /// <summary>Back to a fresh state for the next connection (the object pool's reset).</summary>
    public bool Reset()
    {
        _transaction.Reset();

        // A session waiting in the pool holds no message buffer.
        _transaction.Message.Body.ReleaseSpare();
        _held.Reset();
        _auth.Reset();
        _dataRate.Reset();
        RenewReadTimeout();

        _transport = null!;
        _input = null!;
        _output = null!;
        _client = IPAddress.None;

        // A pooled session must not keep an unloaded policy alive.
        _policy = null!;
        _stopping = default;
        _clientAddress = string.Empty;
        _authenticatedUser = null;
        _heloName = string.Empty;
        _state = SessionState.Connected;
        _mode = InputMode.Commands;
        _action = PendingAction.None;
        _esmtp = false;
        _repliesPending = false;
        _replyContinues = false;
        _stopRequested = false;
        _errors = 0;
        _messagesAccepted = 0;
        _openingChecked = false;
        _verb = default;
        _greeted = false;
        _rateLimited = false;
        _dnsbl = null;
        return true;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<string> ServeAsync()
    {
        while (true)
        {
            if (_stopRequested && _mode == InputMode.Commands && _state != SessionState.InTransaction)
            {
                Reply(_server.ShuttingDownReply);
                await FlushAsync();
                return "server stopping";
            }

            // Replies are flushed only when the session is about to wait for the client: a
            // pipelined group (RFC 2920) is then answered with one write.
            bool inData = _mode is InputMode.Data or InputMode.Chunk;
            if (!inData)
            {
                _dataRate.Reset();
            }

            if (!_input.TryRead(out ReadResult result))
            {
                await FlushAsync();
                bool rateBound = false;
                _readTimeout.CancelAfter(inData ? _dataRate.ReadTimeout(out rateBound) : _server.Options.CommandTimeout);
                try
                {
                    result = await _input.ReadAsync(_readTimeout.Token);
                }
                catch (OperationCanceledException) when (_readTimeout.IsCancellationRequested)
                {
                    bool tooSlow = rateBound;
                    Reply(tooSlow ? _server.DataTooSlowReply : _server.TimeoutReply);
                    await FlushAsync();
                    return tooSlow ? "data rate too low" : "timeout";
                }

                RenewReadTimeout();
            }

            ReadOnlySequence<byte> buffer = result.Buffer;
            bool needMore = Process(buffer, out SequencePosition consumed);
            if (inData && _mode is InputMode.Data or InputMode.Chunk && _dataRate.IsTooSlow(buffer.Slice(buffer.Start, consumed).Length))
            {
                // Enough bytes to keep each read alive, too few to ever finish: slow-loris.
                _input.AdvanceTo(consumed, buffer.End);
                Reply(_server.DataTooSlowReply);
                await FlushAsync();
                return "data rate too low";
            }

            // examined = end only when more bytes are needed; otherwise the next read must
            // return at once with what is left.
            _input.AdvanceTo(consumed, needMore ? buffer.End : consumed);

            switch (_action)
            {
                case PendingAction.CommitMessage:
                    _action = PendingAction.None;
                    await CommitMessageAsync();
                    break;
                case PendingAction.StartTls:
                    _action = PendingAction.None;
                    if (!await StartTlsAsync())
                    {
                        return "TLS handshake failed";
                    }

                    continue;
                case PendingAction.Authenticate:
                    _action = PendingAction.None;
                    await AuthenticateAsync();
                    break;
                case PendingAction.CheckRecipientDns:
                    _action = PendingAction.None;
                    await CheckHeldRecipientAsync();
                    break;
                case PendingAction.DelayInflow:
                    _action = PendingAction.None;
                    await DelayInflowAsync();
                    break;
                case PendingAction.Close:
                    await FlushAsync();
                    return _errors >= _server.Options.MaxCommandErrors ? "too many errors" : "quit";
            }

            if (needMore && result.IsCompleted)
            {
                return _mode == InputMode.Commands && _state != SessionState.InTransaction
                    ? "client closed without QUIT"
                    : "client vanished mid-transaction";
            }
        }
    }

    /// <summary>
    /// Handles every complete unit of input in <paramref name="buffer"/> (command lines, message
    /// data, chunks) until it needs more bytes (returns true) or asynchronous work (returns false).
    /// </summary>
    private bool Process(in ReadOnlySequence<byte> buffer, out SequencePosition consumed)
    {
        if (!_openingChecked)
        {
            if (RefuseProxyHeader(buffer, out bool waitForOpening))
            {
                consumed = buffer.End;
                return false;
            }

            if (waitForOpening)
            {
                consumed = buffer.Start;
                return true;
            }
        }

        var reader = new SequenceReader<byte>(buffer);
        bool needMore = false;
        while (!needMore && _action == PendingAction.None)
        {
            switch (_mode)
            {
                case InputMode.Commands:
                    var handler = new SessionCommandHandler(this);
                    needMore = !SmtpCommandParser.TryParseCommand(ref reader, ref handler);
                    if (_action == PendingAction.StartTls)
                    {
                        // CVE-2011-0411: whatever the client sent after STARTTLS in plain text
                        // must never be read as if it came through TLS.
                        reader.AdvanceToEnd();
                    }

                    break;
                case InputMode.DiscardLine:
                    if (reader.TryAdvanceTo((byte)'\n'))
                    {
                        _mode = InputMode.Commands;
                    }
                    else
                    {
                        reader.AdvanceToEnd();
                        needMore = true;
                    }

                    break;
                case InputMode.Data:
                    needMore = !DecodeData(ref reader);
                    break;
                case InputMode.Chunk:
                    needMore = !ReadChunk(ref reader);
                    break;
                case InputMode.AuthResponse:
                    needMore = !ReadAuthLine(ref reader);
                    break;
            }
        }

        consumed = reader.Position;
        return needMore;
    }

    /// <summary>Read timeouts run on the server's clock, so a test can move time instead of waiting.</summary>
    private CancellationTokenSource NewReadTimeout() => new(Timeout.InfiniteTimeSpan, _server.Time);

    private void RenewReadTimeout()
    {
        if (!_readTimeout.TryReset())
        {
            _readTimeout.Dispose();
            _readTimeout = NewReadTimeout();
        }
    }

    private void OnServerStopping()
    {
        _stopRequested = true;
        try
        {
            // Wakes a session idling for its next command; one inside a transaction finishes it first.
            _input?.CancelPendingRead();
        }
        catch (InvalidOperationException)
        {
            // The pipe was already completed.
        }
    }

    /// <summary>
    /// Every reply goes out here, and is counted once by its code: fixed text, then optionally
    /// what it names of a client-given address (at most a path's length) and fixed text ending
    /// in CRLF. A reply written a line at a time (EXPN) is counted at its first line. Nothing is
    /// flushed until the session waits for the client.
    /// </summary>
    private void Reply(ReadOnlySpan<byte> head, ReadOnlySpan<byte> named = default, ReadOnlySpan<byte> tail = default)
    {
        if (!_replyContinues)
        {
            SmtpMetrics.Reply(head);
        }

        _output.Write(head);
        if (!tail.IsEmpty)
        {
            _output.Write(named[..Math.Min(named.Length, SmtpPathParser.MaxPathLength)]);
            _output.Write(tail);
        }

        // Only a reply written a line at a time ("250-2.1.5 <member>") leaves lines to follow; a
        // fixed reply, multi-line or not (EHLO's), is written whole.
        _replyContinues = !tail.IsEmpty && head.Length > 3 && head[3] == (byte)'-';
        _repliesPending = true;
    }

    /// <summary>
    /// A refusal of a command: logged, counted, and past the limit the session is closed
    /// (Postfix's hard error limit).
    /// </summary>
    private void Refuse(ReadOnlySpan<byte> reply, string? rule = null, ReadOnlySpan<byte> subject = default)
    {
        Reply(reply);
        LogRefusal(reply, default, default, subject, rule);
        CountError();
    }

    /// <summary>A policy decision about <paramref name="address"/>, answered in the policy's own words.</summary>
    private void ReplyByPolicy(PolicyOutcome outcome, ReadOnlySpan<byte> address)
    {
        PolicyReplies.Compose(outcome, address, out ReadOnlySpan<byte> head, out ReadOnlySpan<byte> named, out ReadOnlySpan<byte> tail);
        Reply(head, named, tail);
    }

    /// <summary>A policy refusal about <paramref name="address"/>, in the policy's own words, logged with its rule and counted.</summary>
    private void RefuseByPolicy(PolicyDecision decision, ReadOnlySpan<byte> address = default)
    {
        PolicyReplies.Compose(decision.Outcome, address, out ReadOnlySpan<byte> head, out ReadOnlySpan<byte> named, out ReadOnlySpan<byte> tail);
        Reply(head, named, tail);
        LogRefusal(head, named, tail, address, decision.RuleText);
        CountError();
    }

    /// <summary>
    /// One line per refusal, as Postfix's "NOQUEUE: reject:" (the queue id once the message has
    /// one): the stage, the client, the reply, the envelope so far (the recipient RCPT named, else
    /// the message's first), HELO, and the rule behind it. <paramref name="subject"/> is the
    /// address the command named (MAIL's sender, RCPT's recipient).
    /// </summary>
    private void LogRefusal(ReadOnlySpan<byte> head, ReadOnlySpan<byte> named, ReadOnlySpan<byte> tail, ReadOnlySpan<byte> subject, string? rule)
    {
        if (!_server.Logger.IsEnabled(Microsoft.Extensions.Logging.LogLevel.Information))
        {
            return;
        }

        string reply = string.Concat(Encoding.UTF8.GetString(head), Encoding.UTF8.GetString(named), Encoding.UTF8.GetString(tail)).TrimEnd('\r', '\n');
        ReadOnlySpan<byte> sender = _verb == SmtpVerb.Mail && _mode == InputMode.Commands ? subject : _transaction.Sender;
        string recipient = _verb == SmtpVerb.Rcpt && _mode == InputMode.Commands ? Encoding.UTF8.GetString(subject)
            : _transaction.Message.Recipients.Count > 0 ? _transaction.Message.Recipients[0].Address
            : string.Empty;
        SessionLog.Refused(
            _server.Logger,
            _transaction.Started ? _transaction.Message.QueueId.ToString() : "NOQUEUE",
            RefusalStage,
            _clientAddress,
            reply,
            Encoding.UTF8.GetString(sender),
            recipient,
            _heloName,
            rule ?? "-");
    }

    /// <summary>Where the session stood when it refused, in Postfix's words (CONNECT, HELO, MAIL, RCPT, DATA, END-OF-MESSAGE, ...).</summary>
    private string RefusalStage => _mode == InputMode.AuthResponse || _verb == SmtpVerb.Auth ? "AUTH"
        : !_greeted ? "CONNECT"
        : _transaction.Started && _verb is SmtpVerb.Data or SmtpVerb.Bdat ? "END-OF-MESSAGE"
        : SmtpVerbNames.Of(_verb);

    private void CountError()
    {
        if (++_errors >= _server.Options.MaxCommandErrors)
        {
            Reply(_server.TooManyErrorsReply);
            _action = PendingAction.Close;
        }
    }

    private async ValueTask FlushAsync()
    {
        if (_repliesPending)
        {
            _repliesPending = false;
            await _output.FlushAsync();
        }
    }
}
