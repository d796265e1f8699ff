using FastSmtp.Testing;
using System.IO.Pipelines;
using System.Net;
using BenchmarkDotNet.Attributes;
using FastSmtp.Policy.Loading;
using FastSmtp.Session;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.ObjectPool;
using Microsoft.Extensions.Options;

namespace FastSmtp.Benchmarks;

/// <summary>
/// A short connection (greeting, EHLO, QUIT) with a new session object each time against one
/// taken from the pool the server uses: does pooling sessions pay?
/// </summary>
[MemoryDiagnoser]
public class SessionPoolingBenchmarks
{
    private static readonly byte[] s_dialogue = "EHLO pool.client\r\nQUIT\r\n"u8.ToArray();
    private SmtpServerContext _context = null!;
    private ObjectPool<SmtpSession> _pool = null!;

    [GlobalSetup]
    public void Setup()
    {
        _context = new SmtpServerContext(Options.Create(new SessionOptions { Hostname = "mx.bench" }), new NullMessageStore(), NullLoggerFactory.Instance, new ActivePolicy(PolicyAssemblyLoader.Load(PolicyAssemblyLoader.DefaultPath)));
        _pool = new DefaultObjectPool<SmtpSession>(new SessionPoolPolicy(_context), 16);
    }

    [Benchmark(Baseline = true)]
    public Task NewSessionPerConnection() => RunAsync(new SmtpSession(_context));

    [Benchmark]
    public async Task PooledSession()
    {
        SmtpSession session = _pool.Get();
        try
        {
            await RunAsync(session);
        }
        finally
        {
            _pool.Return(session);
        }
    }

    private static async Task RunAsync(SmtpSession session)
    {
        var toServer = new Pipe();
        var toClient = new Pipe();
        await toServer.Writer.WriteAsync(s_dialogue);
        await session.RunAsync(new DuplexPipe(toServer.Reader, toClient.Writer), IPAddress.Loopback, CancellationToken.None);
        toClient.Reader.TryRead(out ReadResult replies);
        toClient.Reader.AdvanceTo(replies.Buffer.End);
    }
}
