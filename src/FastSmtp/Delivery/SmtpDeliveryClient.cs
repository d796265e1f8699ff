using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security.Authentication;
using System.Text;
using System.Security.Cryptography.X509Certificates;
using FastSmtp.Protocol;
using FastSmtp.Routing;

namespace FastSmtp.Delivery;

/// <summary>
/// One connection to a next hop (RFC 5321 as a client): greeting, EHLO (HELO when refused),
/// TLS as the route's <see cref="OutboundSecurity"/> asks (RFC 3207 STARTTLS, or TLS from the
/// first byte as on port 465; "may" takes any certificate and falls back to plain text, since
/// the alternative is not delivering; "encrypt" and "verify" never send in plain text), AUTH
/// PLAIN or LOGIN (RFC 4954) when it carries credentials, then transactions. With PIPELINING
/// (RFC 2920) MAIL, every RCPT and DATA or BDAT leave in one write; with CHUNKING (RFC 3030) the
/// body goes as one BDAT LAST chunk, else dot-stuffed after DATA. Replies are read by
/// <see cref="SmtpReplyParser"/> where they lie in the connection's <see cref="InboundBuffer"/>;
/// commands are encoded into its <see cref="OutboundBuffer"/>. A reply that cannot be read, a
/// timeout or a lost connection ends the connection and counts as a temporary failure, never an
/// exception. A pipelined transaction awaits only the stream's own reads and writes, in one
/// method: a relayed message costs no task or state machine per reply.
/// </summary>
public sealed class SmtpDeliveryClient : IAsyncDisposable
{
    /// <summary>RFC 5321 4.5.3.2 gives minutes per step; one bound for every step keeps a dead peer from holding a slot.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(5);

    private readonly Socket _socket;
    private readonly NetworkStream _network;
    private readonly TimeSpan _timeout;
    private readonly ReplyCollector _collector = new();

    // Reused by every transaction on this connection: the replies read so far, and the
    // per-transaction timeout (a linked source whose timer is re-armed, not a new one each time).
    private readonly List<NextHopReply> _replies = [];
    private CancellationTokenSource? _transactionTimeout;
    private CancellationToken _transactionTimeoutParent;
    /// <summary>A body up to this size is copied behind BDAT's command line, so the transaction leaves in one write.</summary>
    private const int InlineBodyLimit = 32 * 1024;

    private readonly InboundBuffer _inbound = new();
    private readonly OutboundBuffer _outbound = new();
    private SslStream? _tls;
    private Stream _stream;
    private bool _broken;
    private bool _tlsHandshakeFailed;
    private string? _nextHopName;

    private SmtpDeliveryClient(Socket socket, TimeSpan timeout)
    {
        _socket = socket;
        _timeout = timeout;
        _network = new NetworkStream(socket, ownsSocket: false);
        _stream = _network;
    }

    /// <summary>The next hop's EHLO keywords (upper case), e.g. PIPELINING, SIZE, STARTTLS.</summary>
    public IReadOnlyDictionary<string, string> Extensions { get; private set; } = new Dictionary<string, string>();

    /// <summary>SIZE from EHLO, or 0 when the next hop gave none.</summary>
    public long MaxMessageSize => Extensions.TryGetValue("SIZE", out string? size) && long.TryParse(size, out long value) ? value : 0;

    /// <summary>The body goes as a BDAT chunk (the next hop offers CHUNKING), not dot-stuffed after DATA.</summary>
    public bool UsesChunking => Extensions.ContainsKey("CHUNKING");

    /// <summary>Why STARTTLS failed when this connection is the plain-text retry after it; otherwise null.</summary>
    public string? TlsFailure { get; private set; }

    /// <summary>The session runs over TLS.</summary>
    public bool IsTls => _tls is not null;

    /// <summary>The connection is in a clean state for another transaction.</summary>
    public bool IsReusable => !_broken;

    public EndPoint RemoteEndPoint => _socket.RemoteEndPoint!;

    /// <summary>The next hop's address and port as the delivery log names it, made once per connection.</summary>
    public string NextHopName => _nextHopName ??= RemoteEndPoint.ToString()!;

    /// <summary>Connects, reads the greeting and introduces itself; null with the reason when the next hop is not usable.</summary>
    public static async Task<(SmtpDeliveryClient? Client, NextHopReply Reply)> ConnectAsync(
        EndPoint nextHop, string heloName, CancellationToken cancellationToken, OutboundSecurity? security = null, TimeSpan? timeout = null)
    {
        security ??= OutboundSecurity.Opportunistic;
        var socket = new Socket(nextHop.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        TimeSpan limit = timeout ?? DefaultTimeout;
        try
        {
            using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            connectTimeout.CancelAfter(limit);
            await socket.ConnectAsync(nextHop, connectTimeout.Token);
        }
        catch (SocketException exception)
        {
            socket.Dispose();
            return (null, NextHopReply.Unreadable($"connect to {nextHop} failed: {exception.SocketErrorCode}"));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            return (null, NextHopReply.Unreadable($"connect to {nextHop} timed out"));
        }

        var client = new SmtpDeliveryClient(socket, limit);
        NextHopReply reply = await client.OpenAsync(heloName, security, cancellationToken);
        if (!reply.IsPositive)
        {
            await client.DisposeAsync();
            if (!client._tlsHandshakeFailed || security.Tls != OutboundTls.May)
            {
                return (null, reply);
            }

            // Opportunistic TLS (Postfix's "may"): a broken handshake is retried in plain text.
            (SmtpDeliveryClient? plain, NextHopReply plainReply) = await ConnectAsync(nextHop, heloName, cancellationToken, security with { Tls = OutboundTls.None }, timeout);
            if (plain is not null)
            {
                plain.TlsFailure = reply.Text;
            }

            return (plain, plainReply);
        }

        return (client, reply);
    }

    /// <summary>
    /// One transaction: MAIL, RCPT for each recipient, then the body by BDAT or DATA. With
    /// PIPELINING (RFC 2920) the commands, and with CHUNKING (RFC 3030) the body too, leave in one
    /// write and their replies are read together; a refused MAIL or RCPT still reads the chunk,
    /// so nothing is taken for a command.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<DeliveryResult> SendAsync(ReadOnlyMemory<byte> mailFrom, IReadOnlyList<string> recipients, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        if (MaxMessageSize > 0 && body.Length > MaxMessageSize)
        {
            // Honour the next hop's SIZE (RFC 1870): sending would only be refused at the end.
            var tooBig = new NextHopReply(552, $"5.3.4 message of {body.Length} octets exceeds the next hop's SIZE {MaxMessageSize}");
            return new DeliveryResult(recipients.Select(_ => tooBig).ToList(), tooBig);
        }

        CancellationTokenSource timeout = TransactionTimeout(cancellationToken);
        timeout.CancelAfter(_timeout);
        CancellationToken token = timeout.Token;
        try
        {
            bool pipelining = Extensions.ContainsKey("PIPELINING");
            bool chunking = UsesChunking;
            List<NextHopReply> replies = _replies;
            replies.Clear();
            WriteCommand("MAIL FROM:<"u8, mailFrom.Span, default, Extensions.ContainsKey("SIZE") ? "> SIZE="u8 : ">"u8, Extensions.ContainsKey("SIZE") ? body.Length : -1);
            if (!pipelining)
            {
                replies.Add(await ExchangeAsync(token));
            }

            // Indexed, not enumerated: an interface enumerator is an object per transaction.
            for (int i = 0; i < recipients.Count; i++)
            {
                WriteCommand("RCPT TO:<"u8, default, recipients[i], ">"u8, -1);
                if (!pipelining)
                {
                    replies.Add(await ExchangeAsync(token));
                }
            }

            if (chunking)
            {
                WriteCommand("BDAT "u8, default, default, default, body.Length, " LAST"u8);
                if (body.Length <= InlineBodyLimit)
                {
                    _outbound.Write(body.Span);
                    await FlushAsync(token);
                }
                else
                {
                    // A large body goes from the spool's buffer as it is, not copied first.
                    await FlushAsync(token);
                    await _stream.WriteAsync(body, token);
                }
            }
            else
            {
                Write("DATA\r\n");
                await FlushAsync(token);
            }

            // The replies still owed: with PIPELINING MAIL's, each RCPT's and DATA's or BDAT's;
            // then, after DATA's 354 and the body, the last one. Read in this one place, so a
            // transaction awaits nothing but the stream.
            bool bodySent = chunking;
            for (int owed = replies.Count == 0 ? recipients.Count + 2 : 1; owed > 0; owed--)
            {
                NextHopReply reply;
                while (!TryTakeReply(keepLines: false, out reply))
                {
                    int received = await _stream.ReadAsync(_inbound.FreeSpace(), token);
                    if (received == 0)
                    {
                        reply = Closed();
                        break;
                    }

                    _inbound.Filled(received);
                }

                replies.Add(reply);
                if (reply.Code == 0)
                {
                    // Nothing more can be read: the rest are that failure too.
                    for (owed--; owed > 0; owed--)
                    {
                        replies.Add(reply);
                    }

                    break;
                }

                if (owed == 1 && !bodySent && reply.Code == 354)
                {
                    // Dot-stuffed a slice at a time, so a large body never needs a buffer of its size.
                    var stuffer = new DotStuffer();
                    for (int at = 0; at < body.Length; at += InlineBodyLimit)
                    {
                        stuffer.Write(body.Span.Slice(at, Math.Min(InlineBodyLimit, body.Length - at)), _outbound);
                        if (_outbound.Length >= InlineBodyLimit)
                        {
                            await FlushAsync(token);
                        }
                    }

                    stuffer.Complete(_outbound);
                    await FlushAsync(token);
                    bodySent = true;
                    owed++;
                }
            }

            NextHopReply final = replies[^1];
            if (!bodySent)
            {
                // DATA was refused (or answered with a 2xx instead of 354).
                if (final.IsPositive)
                {
                    _broken = true;
                    final = NextHopReply.Unreadable("DATA not accepted: " + final);
                }

                await ResetAsync(token);
            }

            return Result(replies, recipients.Count, final);
        }
        catch (Exception exception) when (exception is IOException or SocketException or AuthenticationException
            || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            _broken = true;
            NextHopReply lost = NextHopReply.Unreadable(exception is OperationCanceledException ? "timed out talking to the next hop" : "connection lost: " + exception.Message);
            return new DeliveryResult(recipients.Select(_ => lost).ToList(), lost);
        }
        finally
        {
            if (!timeout.TryReset())
            {
                // It fired (the connection is broken now) or the caller was cancelled: never reused.
                timeout.Dispose();
                _transactionTimeout = null;
            }
        }
    }

    private CancellationTokenSource TransactionTimeout(CancellationToken cancellationToken)
    {
        if (_transactionTimeout is null || _transactionTimeoutParent != cancellationToken)
        {
            _transactionTimeout?.Dispose();
            _transactionTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            _transactionTimeoutParent = cancellationToken;
        }

        return _transactionTimeout;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_broken)
            {
                Write("QUIT\r\n");
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await FlushAsync(timeout.Token);
            }
        }
        catch (Exception exception) when (exception is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Already gone.
        }

        if (_tls is not null)
        {
            await _tls.DisposeAsync();
        }

        await _network.DisposeAsync();
        _socket.Dispose();
        _transactionTimeout?.Dispose();
        // Only once the socket is closed: no read or write can still be using the buffers.
        _inbound.Dispose();
        _outbound.Dispose();
    }

    private async Task<NextHopReply> OpenAsync(string heloName, OutboundSecurity security, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        try
        {
            if (security.Tls == OutboundTls.Implicit && await HandshakeAsync(security, timeout.Token) is { } implicitFailure)
            {
                return implicitFailure;
            }

            NextHopReply greeting = await ReadReplyAsync(keepLines: false, timeout.Token);
            if (greeting.Code != 220)
            {
                return greeting.IsPositive ? NextHopReply.Unreadable("unexpected greeting: " + greeting) : greeting;
            }

            NextHopReply hello = await HelloAsync(heloName, timeout.Token);
            if (hello.IsPositive && security.Tls is OutboundTls.May or OutboundTls.Encrypt or OutboundTls.Verify)
            {
                if (!Extensions.ContainsKey("STARTTLS"))
                {
                    if (security.RequiresTls)
                    {
                        _broken = true;
                        return TlsRequired("the next hop does not offer STARTTLS");
                    }
                }
                else
                {
                    Write("STARTTLS\r\n");
                    await FlushAsync(timeout.Token);
                    NextHopReply ready = await ReadReplyAsync(keepLines: false, timeout.Token);
                    if (ready.Code == 220)
                    {
                        if (await HandshakeAsync(security, timeout.Token) is { } failure)
                        {
                            return failure;
                        }

                        // RFC 3207 4.2: everything learnt before TLS is forgotten; EHLO again.
                        hello = await HelloAsync(heloName, timeout.Token);
                    }
                    else if (security.RequiresTls)
                    {
                        _broken = true;
                        return TlsRequired("STARTTLS was refused: " + ready);
                    }
                }
            }

            if (hello.IsPositive && security.Credentials is { } credentials)
            {
                return await AuthenticateAsync(credentials, timeout.Token);
            }

            return hello;
        }
        catch (Exception exception) when (exception is IOException or SocketException
            || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            _broken = true;
            return NextHopReply.Unreadable(exception switch
            {
                OperationCanceledException => "timed out waiting for the next hop",
                _ => "connection lost: " + exception.Message,
            });
        }
    }

    /// <summary>A temporary failure: the mail waits rather than leave in plain text (RFC 3207's 454).</summary>
    private static NextHopReply TlsRequired(string why) => new(454, "4.7.4 TLS is required for this next hop, and " + why);

    /// <summary>
    /// The TLS handshake (after STARTTLS's 220, or at once for implicit TLS), sending the next
    /// hop's host name as SNI and, at "verify", checking the chain and the name. Null when it
    /// succeeded; else why not (and at "may" the connection is retried in plain text).
    /// </summary>
    private async Task<NextHopReply?> HandshakeAsync(OutboundSecurity security, CancellationToken cancellationToken)
    {
        // RFC 3207 5: whatever arrived after the 220 in plain text is not read as if it came over TLS.
        _inbound.Discard();
        _outbound.Take();
        _tls = new SslStream(_network, leaveInnerStreamOpen: true);
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = security.HostName ?? (RemoteEndPoint as IPEndPoint)?.Address.ToString() ?? "localhost",
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        };
        if (!security.VerifiesCertificate)
        {
            options.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
        }
        else if (security.TrustedRoots is { } roots)
        {
            options.CertificateChainPolicy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
            options.CertificateChainPolicy.CustomTrustStore.AddRange(roots);
        }

        try
        {
            await _tls.AuthenticateAsClientAsync(options, cancellationToken);
        }
        catch (Exception exception) when (exception is IOException or AuthenticationException)
        {
            _broken = true;
            _tlsHandshakeFailed = true;
            string why = "TLS handshake failed: " + exception.Message;
            return security.RequiresTls ? TlsRequired(why) : NextHopReply.Unreadable(why);
        }

        _stream = _tls;
        return null;
    }

    /// <summary>
    /// AUTH PLAIN, else LOGIN (RFC 4954), with the smarthost's credentials: only over TLS or to
    /// a loopback address, so a password never crosses a network in plain text. A refusal is a
    /// temporary failure: the mail waits while the operator mends the credentials.
    /// </summary>
    private async Task<NextHopReply> AuthenticateAsync(SmtpCredentials credentials, CancellationToken cancellationToken)
    {
        if (!IsTls && !(RemoteEndPoint is IPEndPoint { Address: var address } && IPAddress.IsLoopback(address)))
        {
            _broken = true;
            return new NextHopReply(454, "4.7.0 not sending the smarthost credentials over a connection without TLS");
        }

        string mechanisms = Extensions.TryGetValue("AUTH", out string? offered) ? " " + offered.ToUpperInvariant() + " " : string.Empty;
        NextHopReply reply;
        if (mechanisms.Contains(" PLAIN ", StringComparison.Ordinal))
        {
            Write("AUTH PLAIN " + Convert.ToBase64String(Encoding.UTF8.GetBytes("\0" + credentials.User + "\0" + credentials.Password)) + "\r\n");
            await FlushAsync(cancellationToken);
            reply = await ReadReplyAsync(keepLines: false, cancellationToken);
        }
        else if (mechanisms.Contains(" LOGIN ", StringComparison.Ordinal))
        {
            reply = default;
            foreach (string step in new[] { "AUTH LOGIN", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials.User)), Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials.Password)) })
            {
                Write(step + "\r\n");
                await FlushAsync(cancellationToken);
                reply = await ReadReplyAsync(keepLines: false, cancellationToken);
                if (reply.Code != 334)
                {
                    break;
                }
            }
        }
        else
        {
            _broken = true;
            return new NextHopReply(454, "4.7.0 the next hop offers neither AUTH PLAIN nor AUTH LOGIN" + (IsTls ? string.Empty : " (before TLS)"));
        }

        if (reply.Code == 235)
        {
            return reply;
        }

        _broken = true;
        return new NextHopReply(454, "4.7.8 authentication to the next hop failed: " + (reply.Code == 0 ? reply.Text : reply.ToString()));
    }

    private async Task<NextHopReply> HelloAsync(string heloName, CancellationToken cancellationToken)
    {
        Write($"EHLO {heloName}\r\n");
        await FlushAsync(cancellationToken);
        NextHopReply ehlo = await ReadReplyAsync(keepLines: true, cancellationToken);
        List<string> lines = [.. _collector.Lines];
        if (ehlo.Code != 250 && ehlo.Code != 0)
        {
            // RFC 5321 3.2: a server that does not know EHLO is still spoken to with HELO.
            Write($"HELO {heloName}\r\n");
            await FlushAsync(cancellationToken);
            ehlo = await ReadReplyAsync(keepLines: false, cancellationToken);
            lines = [];
        }

        Extensions = lines.Skip(1).Select(line => line.Split(' ', 2)).GroupBy(p => p[0].ToUpperInvariant())
            .ToDictionary(g => g.Key, g => g.First().Length > 1 ? g.First()[1] : string.Empty);
        return ehlo;
    }

    /// <summary>Without PIPELINING: sends the command just written and reads its reply.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<NextHopReply> ExchangeAsync(CancellationToken cancellationToken)
    {
        await FlushAsync(cancellationToken);
        return await ReadReplyAsync(keepLines: false, cancellationToken);
    }

    /// <summary>After a refused transaction the connection is put back to a clean state for the next one.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask ResetAsync(CancellationToken cancellationToken)
    {
        if (_broken)
        {
            return;
        }

        Write("RSET\r\n");
        await FlushAsync(cancellationToken);
        if (!(await ReadReplyAsync(keepLines: false, cancellationToken)).IsPositive)
        {
            _broken = true;
        }
    }

    /// <summary>Each recipient's answer: its RCPT reply, or MAIL's when MAIL was refused.</summary>
    private static DeliveryResult Result(List<NextHopReply> replies, int recipients, NextHopReply final)
    {
        NextHopReply mail = replies[0];
        var perRecipient = new List<NextHopReply>(recipients);
        for (int i = 0; i < recipients; i++)
        {
            perRecipient.Add(mail.IsPositive ? replies[1 + i] : mail);
        }

        return new DeliveryResult(perRecipient, final);
    }

    /// <summary>Sends what was written; the stream's own ValueTask, nothing allocated for it.</summary>
    private ValueTask FlushAsync(CancellationToken cancellationToken) => _stream.WriteAsync(_outbound.Take(), cancellationToken);

    /// <summary>A command line, encoded straight into the outbound buffer.</summary>
    private void Write(string line)
    {
        int length = Encoding.UTF8.GetBytes(line, _outbound.GetSpan(Encoding.UTF8.GetMaxByteCount(line.Length)));
        _outbound.Advance(length);
    }

    /// <summary>
    /// <paramref name="verb"/>, then the address (as the UTF-8 <paramref name="utf8Address"/> or
    /// the <paramref name="address"/> encoded), <paramref name="middle"/>, <paramref name="number"/>
    /// when not negative, <paramref name="tail"/> and CRLF, written into the outbound buffer
    /// without building the line as a string.
    /// </summary>
    private void WriteCommand(ReadOnlySpan<byte> verb, ReadOnlySpan<byte> utf8Address, ReadOnlySpan<char> address, ReadOnlySpan<byte> middle, long number, ReadOnlySpan<byte> tail = default)
    {
        int addressBytes = utf8Address.Length + Encoding.UTF8.GetMaxByteCount(address.Length);
        Span<byte> span = _outbound.GetSpan(verb.Length + addressBytes + middle.Length + 20 + tail.Length + 2);
        verb.CopyTo(span);
        int at = verb.Length;
        utf8Address.CopyTo(span[at..]);
        at += utf8Address.Length;
        at += Encoding.UTF8.GetBytes(address, span[at..]);

        middle.CopyTo(span[at..]);
        at += middle.Length;
        if (number >= 0)
        {
            number.TryFormat(span[at..], out int digits, default, System.Globalization.CultureInfo.InvariantCulture);
            at += digits;
        }

        tail.CopyTo(span[at..]);
        at += tail.Length;
        "\r\n"u8.CopyTo(span[at..]);
        _outbound.Advance(at + 2);
    }

    /// <summary>
    /// Reads one reply. Only EHLO's lines are all kept (<paramref name="keepLines"/>); otherwise
    /// only the last line becomes a string, and the collector is the client's own, reused.
    /// </summary>
    private ValueTask<NextHopReply> ReadReplyAsync(bool keepLines, CancellationToken cancellationToken) =>
        TryTakeReply(keepLines, out NextHopReply reply) ? new(reply) : ReceiveReplyAsync(keepLines, cancellationToken);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<NextHopReply> ReceiveReplyAsync(bool keepLines, CancellationToken cancellationToken)
    {
        NextHopReply reply;
        do
        {
            int received = await _stream.ReadAsync(_inbound.FreeSpace(), cancellationToken);
            if (received == 0)
            {
                return Closed();
            }

            _inbound.Filled(received);
        }
        while (!TryTakeReply(keepLines, out reply));

        return reply;
    }

    /// <summary>A whole reply from what has been received, if there is one; false when more must be read.</summary>
    private bool TryTakeReply(bool keepLines, out NextHopReply reply)
    {
        // The parser reports every line of the reply again when it is tried again with more bytes.
        _collector.Reset(keepLines);
        var reader = new SequenceReader<byte>(_inbound.Unread);
        var handler = new CollectingHandler(_collector);
        if (!SmtpReplyParser.TryParseReply(ref reader, ref handler))
        {
            if (_inbound.IsFull)
            {
                _broken = true;
                reply = NextHopReply.Unreadable($"unreadable reply: longer than {InboundBuffer.MaxSize} octets");
                return true;
            }

            reply = default;
            return false;
        }

        _inbound.Consume(reader.Consumed);
        if (_collector.Rejection is { } rejection)
        {
            _broken = true;
            reply = NextHopReply.Unreadable("unreadable reply: " + rejection);
            return true;
        }

        if (_collector.Code == 421)
        {
            // RFC 5321 3.8: the server is closing the channel.
            _broken = true;
        }

        reply = new NextHopReply(_collector.Code, _collector.LastLine ?? string.Empty) { Line = _collector.LastFullLine };
        return true;
    }

    private NextHopReply Closed()
    {
        _broken = true;
        return NextHopReply.Unreadable("connection closed by the next hop");
    }

    /// <summary>What the reply parser has reported of the reply being read.</summary>
    private sealed class ReplyCollector
    {
        public int Code;
        public ReplyRejection? Rejection;
        public string? LastLine;

        /// <summary>The last line with its code ("250 2.0.0 Ok"), as logs and the spool record a reply.</summary>
        public string? LastFullLine;
        public bool KeepLines;

        public List<string> Lines { get; } = [];

        public RecentStrings Texts { get; } = new();

        public void Reset(bool keepLines)
        {
            Code = 0;
            Rejection = null;
            LastLine = null;
            LastFullLine = null;
            KeepLines = keepLines;
            Lines.Clear();
        }
    }

    private readonly struct CollectingHandler(ReplyCollector collector) : ISmtpReplyHandler
    {
        public void OnReplyLine(int code, EnhancedStatusCode status, ReadOnlySpan<byte> text, bool last)
        {
            collector.Code = code;
            if (!collector.KeepLines && !last)
            {
                return;
            }

            // "250 2.0.0 text" and "2.0.0 text" as strings, and the same strings again when a
            // reply repeats (MAIL's, RCPT's and DATA's usually do), not new ones per transaction.
            Span<char> line = stackalloc char[SmtpReplyParser.MaxReplyLineLength + 28];
            code.TryFormat(line, out int at, default, System.Globalization.CultureInfo.InvariantCulture);
            line[at++] = ' ';
            int textStart = at;
            if (status.IsPresent)
            {
                at += FormatStatus(status, line[at..]);
            }

            at += Encoding.UTF8.GetChars(text, line[at..]);
            collector.LastLine = collector.Texts.Get(line[textStart..at]);
            if (last)
            {
                collector.LastFullLine = collector.Texts.Get(line[..at]);
            }
            if (collector.KeepLines)
            {
                collector.Lines.Add(collector.LastLine);
            }
        }

        public void OnRejected(ReplyRejection rejection) => collector.Rejection = rejection;

        private static int FormatStatus(EnhancedStatusCode status, Span<char> line)
        {
            int at = 0;
            line[at++] = (char)('0' + status.Class);
            line[at++] = '.';
            status.Subject.TryFormat(line[at..], out int digits, default, System.Globalization.CultureInfo.InvariantCulture);
            at += digits;
            line[at++] = '.';
            status.Detail.TryFormat(line[at..], out digits, default, System.Globalization.CultureInfo.InvariantCulture);
            at += digits;
            line[at++] = ' ';
            return at;
        }
    }
}
