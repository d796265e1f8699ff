using FastSmtp.Testing;
using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using FastSmtp.Hosting;
using FastSmtp.Session;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FastSmtp.Tests.Session;

/// <summary>
/// Runs one real <see cref="SmtpSession"/> over in-memory pipes: the test writes what a client
/// would send and reads the replies, with no socket in between.
/// </summary>
internal sealed class SessionHarness : IAsyncDisposable
{
    private readonly Pipe _toServer = new();
    private readonly Pipe _toClient = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly StringBuilder _pending = new();

    public SessionHarness(Action<SmtpServerOptions>? configure = null)
    {
        var options = new SmtpServerOptions { Hostname = "mx.test" };
        configure?.Invoke(options);
        Server = new SmtpServerContext(Options.Create(options), Store, NullLoggerFactory.Instance);
        Output = new FlushCountingWriter(_toClient.Writer);
        Session = new SmtpSession(Server);
        Run = Task.Run(async () =>
        {
            try
            {
                await Session.RunAsync(new DuplexPipe(_toServer.Reader, Output), IPAddress.Parse("192.0.2.7"), _stopping.Token);
            }
            finally
            {
                // As Kestrel closes the connection when its handler returns.
                await Output.CompleteAsync();
            }
        });
    }

    public CapturingStore Store { get; } = new();

    public SmtpServerContext Server { get; }

    public SmtpSession Session { get; }

    public FlushCountingWriter Output { get; }

    public Task Run { get; }

    public async Task SendAsync(string text) => await SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        await _toServer.Writer.WriteAsync(bytes);
    }

    /// <summary>The client hangs up.</summary>
    public async Task CloseAsync() => await _toServer.Writer.CompleteAsync();

    public void StopServer() => _stopping.Cancel();

    /// <summary>Reads the next complete reply (all its lines), or null when the session closed.</summary>
    public async Task<string?> ReadReplyAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            string text = _pending.ToString();
            int end = SmtpReplyFraming.FindReplyEnd(text);
            if (end >= 0)
            {
                _pending.Remove(0, end);
                return text[..end];
            }

            ReadResult result = await _toClient.Reader.ReadAsync(timeout.Token);
            _pending.Append(Encoding.UTF8.GetString(result.Buffer.ToArray()));
            _toClient.Reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted && result.Buffer.IsEmpty)
            {
                return null;
            }
        }
    }

    public async Task<List<string>> ReadRepliesAsync(int count)
    {
        var replies = new List<string>();
        for (int i = 0; i < count; i++)
        {
            replies.Add(await ReadReplyAsync() ?? throw new InvalidOperationException($"session closed after {replies.Count} replies: {string.Join(" | ", replies)}"));
        }

        return replies;
    }

    /// <summary>Sends one command and returns its reply.</summary>
    public async Task<string> CommandAsync(string line)
    {
        await SendAsync(line + "\r\n");
        return await ReadReplyAsync() ?? throw new InvalidOperationException("session closed");
    }

    public async Task GreetAsync()
    {
        Assert.StartsWith("220 ", await ReadReplyAsync());
        Assert.StartsWith("250", await CommandAsync("EHLO client.example"));
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        await _toServer.Writer.CompleteAsync();
        await Run.WaitAsync(TimeSpan.FromSeconds(10));
        _toClient.Reader.Complete();
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input => input;

        public PipeWriter Output => output;
    }
}
