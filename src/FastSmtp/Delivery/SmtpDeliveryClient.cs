using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using FastSmtp.Protocol;
using FastSmtp.Queue;

namespace FastSmtp.Delivery;

/// <summary>
/// One connection to a next hop (RFC 5321 as a client): greeting, EHLO (HELO when refused), then
/// transactions. With PIPELINING (RFC 2920) MAIL, every RCPT and DATA leave in one write. The body
/// is dot-stuffed on the way out. Replies are read by <see cref="SmtpReplyParser"/>; a reply that
/// cannot be read ends the connection and counts as a temporary failure, never an exception.
/// </summary>
public sealed class SmtpDeliveryClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;

    private SmtpDeliveryClient(Socket socket)
    {
        _socket = socket;
        var stream = new NetworkStream(socket, ownsSocket: false);
        _input = PipeReader.Create(stream);
        _output = PipeWriter.Create(stream);
    }

    /// <summary>The next hop's EHLO keywords (upper case), e.g. PIPELINING, SIZE, STARTTLS.</summary>
    public IReadOnlyDictionary<string, string> Extensions { get; private set; } = new Dictionary<string, string>();

    /// <summary>SIZE from EHLO, or 0 when the next hop gave none.</summary>
    public long MaxMessageSize => Extensions.TryGetValue("SIZE", out string? size) && long.TryParse(size, out long value) ? value : 0;

    /// <summary>Connects, reads the greeting and introduces itself; null with the reason when the next hop is not usable.</summary>
    public static async Task<(SmtpDeliveryClient? Client, NextHopReply Reply)> ConnectAsync(EndPoint nextHop, string heloName, CancellationToken cancellationToken)
    {
        var socket = new Socket(nextHop.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(nextHop, cancellationToken);
        }
        catch (SocketException exception)
        {
            socket.Dispose();
            return (null, NextHopReply.Unreadable("connect failed: " + exception.SocketErrorCode));
        }

        var client = new SmtpDeliveryClient(socket);
        NextHopReply greeting = (await client.ReadRepliesAsync(1, cancellationToken))[0];
        if (greeting.Code != 220)
        {
            await client.DisposeAsync();
            return (null, greeting);
        }

        client.Write($"EHLO {heloName}\r\n");
        await client._output.FlushAsync(cancellationToken);
        (NextHopReply ehlo, List<string> lines) = await client.ReadReplyLinesAsync(cancellationToken);
        if (ehlo.Code != 250)
        {
            // RFC 5321 3.2: a server that does not know EHLO is still spoken to with HELO.
            client.Write($"HELO {heloName}\r\n");
            await client._output.FlushAsync(cancellationToken);
            ehlo = (await client.ReadRepliesAsync(1, cancellationToken))[0];
            if (ehlo.Code != 250)
            {
                await client.DisposeAsync();
                return (null, ehlo);
            }

            lines = [];
        }

        client.Extensions = lines.Skip(1).Select(line => line.Split(' ', 2)).ToDictionary(p => p[0].ToUpperInvariant(), p => p.Length > 1 ? p[1] : string.Empty);
        return (client, ehlo);
    }

    /// <summary>One transaction: MAIL, RCPT for each recipient, DATA with the body.</summary>
    public async Task<DeliveryResult> SendAsync(string mailFrom, IReadOnlyList<string> recipients, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        if (MaxMessageSize > 0 && body.Length > MaxMessageSize)
        {
            // Honour the next hop's SIZE (RFC 1870): sending would only be refused at the end.
            var tooBig = new NextHopReply(552, $"5.3.4 message of {body.Length} octets exceeds the next hop's SIZE {MaxMessageSize}");
            return new DeliveryResult(recipients.Select(_ => tooBig).ToList(), tooBig);
        }

        bool pipelining = Extensions.ContainsKey("PIPELINING");
        string size = MaxMessageSize > 0 ? FormattableString.Invariant($" SIZE={body.Length}") : string.Empty;
        var replies = new List<NextHopReply>();

        Write($"MAIL FROM:<{mailFrom}>{size}\r\n");
        if (!pipelining)
        {
            await _output.FlushAsync(cancellationToken);
            replies.AddRange(await ReadRepliesAsync(1, cancellationToken));
        }

        foreach (string recipient in recipients)
        {
            Write($"RCPT TO:<{recipient}>\r\n");
            if (!pipelining)
            {
                await _output.FlushAsync(cancellationToken);
                replies.AddRange(await ReadRepliesAsync(1, cancellationToken));
            }
        }

        Write("DATA\r\n");
        await _output.FlushAsync(cancellationToken);
        replies.AddRange(await ReadRepliesAsync(pipelining ? recipients.Count + 2 : 1, cancellationToken));

        NextHopReply mail = replies[0];
        NextHopReply data = replies[^1];
        List<NextHopReply> perRecipient = replies.Skip(1).Take(recipients.Count)
            .Select(rcpt => mail.IsPositive ? rcpt : mail)
            .ToList();
        if (data.Code != 354)
        {
            return new DeliveryResult(perRecipient, data.IsPositive ? NextHopReply.Unreadable("DATA not accepted: " + data) : data);
        }

        var stuffer = new DotStuffer();
        stuffer.Write(body.Span, _output);
        stuffer.Complete(_output);
        await _output.FlushAsync(cancellationToken);
        NextHopReply final = (await ReadRepliesAsync(1, cancellationToken))[0];
        return new DeliveryResult(perRecipient, final);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            Write("QUIT\r\n");
            await _output.FlushAsync();
        }
        catch (IOException)
        {
            // Already gone.
        }

        await _input.CompleteAsync();
        await _output.CompleteAsync();
        _socket.Dispose();
    }

    /// <summary>A command line, encoded straight into the pipe's buffer.</summary>
    private void Write(string line)
    {
        int length = Encoding.ASCII.GetBytes(line, _output.GetSpan(line.Length));
        _output.Advance(length);
    }

    /// <summary>Reads <paramref name="count"/> replies; once one cannot be read, the rest are that failure too.</summary>
    private async Task<List<NextHopReply>> ReadRepliesAsync(int count, CancellationToken cancellationToken)
    {
        var replies = new List<NextHopReply>(count);
        while (replies.Count < count)
        {
            (NextHopReply reply, _) = await ReadReplyLinesAsync(cancellationToken);
            replies.Add(reply);
            if (reply.Code == 0)
            {
                while (replies.Count < count)
                {
                    replies.Add(reply);
                }
            }
        }

        return replies;
    }

    private async Task<(NextHopReply Reply, List<string> Lines)> ReadReplyLinesAsync(CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        while (true)
        {
            ReadResult result;
            try
            {
                result = await _input.ReadAsync(cancellationToken);
            }
            catch (IOException exception)
            {
                return (NextHopReply.Unreadable("connection lost: " + exception.Message), lines);
            }

            ReadOnlySequence<byte> buffer = result.Buffer;
            var reader = new SequenceReader<byte>(buffer);
            var handler = new CollectingHandler(lines);
            bool complete = SmtpReplyParser.TryParseReply(ref reader, ref handler);
            _input.AdvanceTo(reader.Position, complete ? reader.Position : buffer.End);
            if (complete)
            {
                return handler.Rejection is { } rejection
                    ? (NextHopReply.Unreadable("unreadable reply: " + rejection), lines)
                    : (new NextHopReply(handler.Code, string.Join(" ", lines.Count > 0 ? lines[^1] : string.Empty)), lines);
            }

            if (result.IsCompleted)
            {
                return (NextHopReply.Unreadable("connection closed by the next hop"), lines);
            }
        }
    }

    private sealed class CollectingState
    {
        public int Code;
        public ReplyRejection? Rejection;
    }

    private readonly struct CollectingHandler(List<string> lines) : ISmtpReplyHandler
    {
        private readonly CollectingState _state = new();

        public int Code => _state.Code;

        public ReplyRejection? Rejection => _state.Rejection;

        public void OnReplyLine(int code, EnhancedStatusCode status, ReadOnlySpan<byte> text, bool last)
        {
            _state.Code = code;
            string line = Encoding.UTF8.GetString(text);
            lines.Add(status.IsPresent ? $"{status} {line}" : line);
        }

        public void OnRejected(ReplyRejection rejection) => _state.Rejection = rejection;
    }
}
