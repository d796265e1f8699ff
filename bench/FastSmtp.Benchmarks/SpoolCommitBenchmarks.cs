using BenchmarkDotNet.Attributes;
using FastSmtp.Protocol;
using FastSmtp.Queue;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastSmtp.Benchmarks;

/// <summary>
/// Durable commits of 2 KB messages (each fsync'd before it completes) from 1, 16 and 64
/// concurrent sessions. With group commit, the time per message falls as concurrency rises,
/// since one fsync covers every message that arrived while the previous one ran. The baseline
/// is the other obvious spool: a file per message, its file and its folder fsync'd each time.
/// </summary>
[MemoryDiagnoser]
public class SpoolCommitBenchmarks
{
    private const int Messages = 256;
    private string _directory = string.Empty;
    private Spool _spool = null!;
    private PendingMessage[] _messages = [];
    private string _filesDirectory = string.Empty;
    private byte[] _record = [];
    private long _fileNumber;

    [Params(1, 16, 64)]
    public int Sessions { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "fastsmtp-bench-spool-" + Guid.NewGuid().ToString("N"));
        _spool = new Spool(_directory, NullLogger<Spool>.Instance);
        _filesDirectory = Path.Combine(_directory, "file-per-message");
        Directory.CreateDirectory(_filesDirectory);
        byte[] body = new byte[2048];
        Array.Fill(body, (byte)'x');
        _messages = Enumerable.Range(0, Sessions).Select(i =>
        {
            var message = new PendingMessage { QueueId = QueueId.Next(), ClientAddress = "127.0.0.1", HeloName = "bench", MailFrom = "fred@widget.com", ReceivedAt = DateTimeOffset.UtcNow };
            message.Recipients.Add(new SpoolRecipient("bob@foo.example", RecipientNotify.Default, null));
            message.Body.Append(body);
            return message;
        }).ToArray();
        _record = [.. new byte[64], .. body]; // an envelope's worth of bytes, then the body
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_spool.CommittedBatches > 0)
        {
            Console.WriteLine($"// {Sessions} sessions: {_spool.CommittedMessages} messages in {_spool.CommittedBatches} fsync batches ({(double)_spool.CommittedMessages / _spool.CommittedBatches:F1} per fsync)");
        }

        _spool.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Messages)]
    public async Task FilePerMessage()
    {
        await Task.WhenAll(Enumerable.Range(0, Sessions).Select(_ => Task.Run(() =>
        {
            for (int i = 0; i < Messages / Sessions; i++)
            {
                string path = Path.Combine(_filesDirectory, Interlocked.Increment(ref _fileNumber).ToString(System.Globalization.CultureInfo.InvariantCulture));
                using (Microsoft.Win32.SafeHandles.SafeFileHandle file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write))
                {
                    RandomAccess.Write(file, _record, 0);
                    RandomAccess.FlushToDisk(file);
                }

                DirectorySync.Flush(_filesDirectory);
            }
        })));
    }

    [Benchmark(OperationsPerInvoke = Messages)]
    public async Task CommitDurably()
    {
        await Task.WhenAll(_messages.Select(async message =>
        {
            for (int i = 0; i < Messages / Sessions; i++)
            {
                await _spool.CommitAsync(message);
            }
        }));
    }
}
