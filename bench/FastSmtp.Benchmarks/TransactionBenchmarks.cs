using FastSmtp.Testing;
using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using FastSmtp.Policy.Loading;
using FastSmtp.Session;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FastSmtp.Benchmarks;

/// <summary>
/// A whole pipelined transaction (MAIL, RCPT, DATA, a 2 KB body, the end of data) through a
/// real session over in-memory pipes, in steady state: one session serves every transaction.
/// Allocated bytes per transaction should be the accepted addresses' strings and nothing else.
/// </summary>
[MemoryDiagnoser]
public class TransactionBenchmarks
{
    // Inline schedulers: the session runs on the thread that wrote to it, so the figure is the
    // engine's own cost without thread-pool hops between client and server.
    private static readonly PipeOptions s_inline = new(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, pauseWriterThreshold: 0, useSynchronizationContext: false);
    private readonly Pipe _toServer = new(s_inline);
    private readonly Pipe _toClient = new(s_inline);
    private readonly CancellationTokenSource _stop = new();
    private byte[] _transaction = [];
    private Task _session = Task.CompletedTask;

    [GlobalSetup]
    public void Setup()
    {
        var context = new SmtpServerContext(Options.Create(new SessionOptions { Hostname = "mx.bench" }), new NullMessageStore(), NullLoggerFactory.Instance, new ActivePolicy(PolicyAssemblyLoader.Load(PolicyAssemblyLoader.DefaultPath)));
        var session = new SmtpSession(context);
        _session = session.RunAsync(new DuplexPipe(_toServer.Reader, _toClient.Writer), IPAddress.Loopback, _stop.Token).AsTask();
        string body = "Subject: benchmark\r\n\r\n" + string.Concat(Enumerable.Repeat(new string('x', 76) + "\r\n", 26)) + "..dot-stuffed line\r\n";
        _transaction = System.Text.Encoding.ASCII.GetBytes("MAIL FROM:<fred@widget.com> SIZE=2048\r\nRCPT TO:<bob@mail5.foo.com>\r\nDATA\r\n" + body + ".\r\n");
        ReadLinesAsync(1).AsTask().GetAwaiter().GetResult(); // greeting
        _toServer.Writer.WriteAsync("EHLO bench.client\r\n"u8.ToArray()).AsTask().GetAwaiter().GetResult();
        ReadLinesAsync(8).AsTask().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _stop.Cancel();
        _toServer.Writer.Complete();
        _session.GetAwaiter().GetResult();
    }

    // The client side's own state machines are pooled, so what the benchmark reports as
    // allocated is the server's.
    [Benchmark]
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask PipelinedTransaction()
    {
        await _toServer.Writer.WriteAsync(_transaction);

        // 250 (MAIL), 250 (RCPT), 354, 250 queued as ...
        await ReadLinesAsync(4);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask ReadLinesAsync(int lines)
    {
        while (lines > 0)
        {
            ReadResult result = await _toClient.Reader.ReadAsync();
            ReadOnlySequence<byte> buffer = result.Buffer;
            SequencePosition consumed = buffer.Start;
            var reader = new SequenceReader<byte>(buffer);
            while (lines > 0 && reader.TryAdvanceTo((byte)'\n'))
            {
                lines--;
                consumed = reader.Position;
            }

            _toClient.Reader.AdvanceTo(consumed, buffer.End);
        }
    }
}
