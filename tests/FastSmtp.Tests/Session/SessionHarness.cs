using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using FastSmtp.Policy.Loading;
using FastSmtp.Session;
using FastSmtp.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace FastSmtp.Tests.Session;

/// <summary>
/// Runs one real <see cref="SmtpSession"/> over in-memory pipes: the test writes what a client
/// would send and reads the replies, with no socket in between.
/// </summary>
internal sealed class SessionHarness : SmtpTestClient, IAsyncDisposable
{
    private readonly Pipe _toServer = new();
    private readonly Pipe _toClient = new();
    private readonly CancellationTokenSource _stopping = new();

    public SessionHarness(Action<SessionOptions>? configure = null, string clientAddress = "127.0.0.1", SmtpServerContext? server = null, ActivePolicy? policy = null, TimeProvider? time = null)
    {
        var options = new SessionOptions { Hostname = "mx.test" };
        configure?.Invoke(options);
        Server = server ?? new SmtpServerContext(Options.Create(options), Store, NullLoggerFactory.Instance, policy ?? TestPolicy.Active) { Time = time ?? TimeProvider.System };
        Output = new FlushCountingWriter(_toClient.Writer);
        Session = new SmtpSession(Server);
        Run = Task.Run(async () =>
        {
            try
            {
                await Session.RunAsync(new DuplexPipe(_toServer.Reader, Output), IPAddress.Parse(clientAddress), _stopping.Token);
            }
            finally
            {
                // As Kestrel closes the connection when its handler returns.
                await Output.CompleteAsync();
                await _toServer.Reader.CompleteAsync();
            }
        });
    }

    public CapturingStore Store { get; } = new();

    public SmtpServerContext Server { get; }

    public SmtpSession Session { get; }

    public FlushCountingWriter Output { get; }

    public Task Run { get; }

    public override async Task SendAsync(byte[] bytes)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await _toServer.Writer.WriteAsync(bytes, timeout.Token);
    }

    /// <summary>The client hangs up.</summary>
    public async Task CloseAsync() => await _toServer.Writer.CompleteAsync();

    public void StopServer() => _stopping.Cancel();

    public async Task GreetAsync()
    {
        Assert.StartsWith("220 ", await ReadReplyAsync());
        Assert.StartsWith("250", await CommandAsync("EHLO client.example"));
    }

    /// <summary>
    /// Moves the fake clock on by <paramref name="step"/> until the session answers (at most 40
    /// steps): the session's timer may not exist yet when the test first moves the clock.
    /// </summary>
    public async Task<string?> AdvanceUntilAnsweredAsync(FakeTimeProvider time, TimeSpan step)
    {
        for (int i = 0; i < 40; i++)
        {
            time.Advance(step);
            try
            {
                return await ReadReplyAsync(TimeSpan.FromMilliseconds(100));
            }
            catch (OperationCanceledException)
            {
                // Not yet: another step.
            }
        }

        return null;
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        await _toServer.Writer.CompleteAsync();
        await Run.WaitAsync(TimeSpan.FromSeconds(10));
        _toClient.Reader.Complete();
    }

    protected override async Task<string?> ReceiveAsync(CancellationToken cancellationToken)
    {
        ReadResult result = await _toClient.Reader.ReadAsync(cancellationToken);
        string text = Encoding.UTF8.GetString(result.Buffer.ToArray());
        _toClient.Reader.AdvanceTo(result.Buffer.End);
        return result.IsCompleted && text.Length == 0 ? null : text;
    }
}
