using System.Text;
using FastSmtp.Queue;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace FastSmtp.Tests.Queue;

/// <summary>
/// Fault injection at every I/O call of the spool, after SQLite's I/O-error tests: a scripted
/// workload (commits across rollovers, a spilled body, state changes, retirement and segment
/// deletion, compaction, a restart and its recovery) runs once to count its calls, then once for
/// each call N with call N failing (ENOSPC, EIO, EMFILE; once, or from N on until the workload has
/// seen the fault twice). Then the process "crashes" (the spool is dropped without any clean-up
/// I/O), a clean recovery reads the disk back, and every promise is checked: each message answered
/// 250 is there with its body and recorded states, no message answered 4xx is, every record is
/// whole, no body file is left that nothing owns, and nothing the spool offers ever threw.
/// </summary>
public class SpoolFaultTests(ITestOutputHelper output)
{
    private static readonly int[] Errnos = [FaultyFileSystem.Enospc, FaultyFileSystem.Eio, FaultyFileSystem.Emfile];

    [Fact]
    public async Task No_single_or_lasting_io_fault_at_any_call_loses_or_revives_a_message()
    {
        int calls;
        using (var clean = new Workload(new FaultyFileSystem()))
        {
            await clean.RunAsync();
            clean.Verify();
            calls = clean.Files.Calls;
        }

        Assert.True(calls > 100, $"the workload made only {calls} I/O calls");
        int runs = 0;
        var failedCalls = new SortedSet<string>(StringComparer.Ordinal);
        for (int failAt = 1; failAt <= calls; failAt++)
        {
            foreach (int errno in Errnos)
            {
                foreach ((bool persistent, bool crashAtRefusal) in new[] { (false, false), (true, false), (false, true) })
                {
                    var files = new FaultyFileSystem { FailAt = failAt, Errno = errno, Persistent = persistent };
                    using var workload = new Workload(files) { CrashAtFirstRefusal = crashAtRefusal };
                    try
                    {
                        await workload.RunAsync();
                        workload.Verify();
                    }
                    catch (Exception exception)
                    {
                        throw new Xunit.Sdk.XunitException($"call {failAt} of {calls} ({files.FailedCall}) failing with errno {errno}{(persistent ? " until cleared" : string.Empty)}{(crashAtRefusal ? ", crash at the first refusal" : string.Empty)}: {exception}");
                    }

                    Assert.True(files.Failures > 0, $"call {failAt} was never made");
                    failedCalls.Add(files.FailedCall!.Split(' ')[0]);
                    runs++;
                }
            }
        }

        output.WriteLine($"{calls} I/O calls in the workload; {runs} runs, each failing one of them (3 errnos; once, lasting, and once with a crash at the first refusal); calls failed: {string.Join(", ", failedCalls)}");
        Assert.Superset(new SortedSet<string>(["open", "read", "write", "gathered", "length", "set", "fsync", "delete", "create", "list"]), failedCalls);
    }

    [Fact]
    public async Task A_failed_log_refuses_at_once_says_why_and_commits_again_once_the_fault_clears()
    {
        using var directory = new TempDirectory();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var files = new FaultyFileSystem { FailAt = int.MaxValue };
        var logger = new RecordingLogger<Spool>();
        using var spool = new Spool(directory.Path, logger, files: files, time: time);
        Assert.Equal(CommitResult.Committed, await spool.CommitAsync(SpoolTests.NewMessage("a@a.example", ["b@b.example"], "before\r\n")));

        // The disk fills: the next write, and every call after it, fails with ENOSPC.
        files.Errno = FaultyFileSystem.Enospc;
        files.Persistent = true;
        files.FailAt = files.Calls + 1;
        PendingMessage refused = SpoolTests.NewMessage("a@a.example", ["b@b.example"], "during\r\n");
        Assert.Equal(CommitResult.InsufficientStorage, await spool.CommitAsync(refused));
        Assert.Equal("spool full", spool.Fault?.Summary);

        // During the back-off nothing touches the disk: the answer is immediate and the same.
        int callsBefore = files.Calls;
        Assert.Equal(CommitResult.InsufficientStorage, await spool.CommitAsync(SpoolTests.NewMessage("a@a.example", ["b@b.example"], "still\r\n")));
        Assert.Equal(callsBefore, files.Calls);

        files.Clear();
        time.Advance(TimeSpan.FromMinutes(1));
        PendingMessage after = SpoolTests.NewMessage("a@a.example", ["b@b.example"], "after\r\n");
        Assert.Equal(CommitResult.Committed, await spool.CommitAsync(after));
        Assert.Null(spool.Fault);
        Assert.Empty(logger.Critical);
        Assert.DoesNotContain(SpoolReader.ReadMessages(directory.Path), m => m.QueueId == refused.QueueId);
        Assert.Contains(SpoolReader.ReadMessages(directory.Path), m => m.QueueId == after.QueueId);
    }

    [Fact]
    public async Task Compaction_that_cannot_read_a_message_reports_nothing_moved_and_moves_it_once_it_can()
    {
        using var directory = new TempDirectory(onTmpfs: true);
        var files = new FaultyFileSystem();
        using var spool = new Spool(directory.Path, new RecordingLogger<Spool>(), segmentRolloverLength: 1, files: files, time: new FakeTimeProvider(DateTimeOffset.UtcNow));
        var entries = new List<QueueEntry>();
        spool.Committed += entries.Add;
        foreach (int i in Enumerable.Range(0, 4))
        {
            Assert.Equal(CommitResult.Committed, await spool.CommitAsync(SpoolTests.NewMessage("a@a.example", ["b@b.example"], $"m{i}\r\n")));
        }

        foreach (QueueEntry done in entries.Skip(1))
        {
            spool.Retire(done);
        }

        int segments = spool.SegmentCount;
        files.Persistent = true;
        files.FailAt = files.Calls + 1;

        // The old record cannot be read: nothing moved, so the caller's loop ends instead of spinning.
        Assert.Equal(0, await spool.CompactAsync(maxSegments: 2));
        Assert.Equal(segments, spool.SegmentCount);

        files.Clear();
        Assert.Equal(1, await spool.CompactAsync(maxSegments: 2));
        Assert.True(spool.SegmentCount < segments);
        Assert.Equal("m0\r\n", Encoding.ASCII.GetString(spool.ReadMessage(entries[0]).Body));
    }

    /// <summary>The scripted workload, with a model of what each caller was told.</summary>
    private sealed class Workload(FaultyFileSystem files) : IDisposable
    {
        private readonly TempDirectory _directory = new(onTmpfs: true);
        private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
        private readonly RecordingLogger<Spool> _logger = new();
        private readonly Dictionary<QueueId, (string Body, int Recipients)> _acknowledged = [];
        private readonly HashSet<QueueId> _refused = [];
        private readonly Dictionary<(QueueId, int), RecipientState> _recorded = [];
        private readonly Dictionary<QueueId, QueueEntry> _entries = [];
        private Spool? _spool;
        private int _faultsSeen;

        public FaultyFileSystem Files { get; } = files;

        /// <summary>The process dies right after its first 4xx: nothing gets a chance to mend the log first.</summary>
        public bool CrashAtFirstRefusal { get; init; }

        public async Task RunAsync()
        {
            try
            {
                await RunScriptAsync();
            }
            catch (CrashNow)
            {
                await Task.Yield();
            }

            // The crash: the spool's state is dropped; Dispose writes nothing.
            _spool?.Dispose();
            _spool = null;
            Assert.Empty(_logger.Critical);
        }

        private async Task RunScriptAsync()
        {
            _spool = Open();
            Assert.NotNull(await RecoveredAsync(_spool));

            List<QueueId> ids = [];
            for (int i = 0; i < 6; i++)
            {
                ids.Add(await CommitAsync($"message {i}\r\n" + new string('m', 700) + "\r\n", recipients: 2, spill: i == 2));
            }

            // Two recipients of three messages delivered: they leave the queue, and their
            // segments, body file included, may go; one recipient deferred.
            foreach (int i in new[] { 1, 2, 3 })
            {
                await RecordAsync(ids[i], 0, RecipientState.Delivered);
                await RecordAsync(ids[i], 1, RecipientState.Delivered);
                _spool.Retire(_entries[ids[i]]);
            }

            await RecordAsync(ids[0], 0, RecipientState.Delivered);
            await RecordAsync(ids[0], 1, RecipientState.Deferred);
            await RecordAsync(ids[4], 1, RecipientState.Failed);

            // The oldest message keeps every segment after it: compaction moves it forward.
            await _spool.CompactAsync(maxSegments: 2);
            ids.Add(await CommitAsync("after compaction\r\n", recipients: 1, spill: false));

            // A crash in the middle of a write, then a restart: recovery cuts the torn record
            // off, replays what is there, and the queue goes on.
            _spool.Dispose();
            long head = SpoolFormat.ListSegments(_directory.Path, SpoolFileSystem.Instance)[^1];
            using (var segment = new FileStream(SpoolFormat.SegmentPath(_directory.Path, head), FileMode.Append))
            {
                segment.Write(BitConverter.GetBytes(SpoolFormat.Magic));
                segment.Write(BitConverter.GetBytes(4000));
                segment.Write(new byte[30]);
            }

            _spool = Open();
            IReadOnlyList<QueueEntry> recovered = await RecoveredAsync(_spool);
            foreach (QueueEntry entry in recovered)
            {
                _entries[entry.QueueId] = entry;
            }

            await RecordAsync(ids[5], 0, RecipientState.Delivered);
            ids.Add(await CommitAsync("after restart\r\n", recipients: 1, spill: true));
        }

        /// <summary>Recovery from what is on disk, with nothing failing, against what every caller was told.</summary>
        public void Verify()
        {
            using var recoveredSpool = new Spool(_directory.Path, new RecordingLogger<Spool>(), segmentRolloverLength: 2048);
            IReadOnlyList<QueueEntry> live = recoveredSpool.Recovered.Result;
            var byId = live.ToDictionary(entry => entry.QueueId);
            foreach ((QueueId id, (string body, int recipients)) in _acknowledged)
            {
                bool finished = Enumerable.Range(0, recipients).All(r => _recorded.GetValueOrDefault((id, r)) is RecipientState.Delivered or RecipientState.Failed);
                if (finished)
                {
                    Assert.False(byId.ContainsKey(id), $"{id} was finished and came back");
                    continue;
                }

                Assert.True(byId.TryGetValue(id, out QueueEntry? entry), $"{id} was acknowledged and is lost");
                Assert.Equal(body, Encoding.ASCII.GetString(recoveredSpool.ReadMessage(entry).Body));
                for (int r = 0; r < recipients; r++)
                {
                    Assert.Equal(_recorded.GetValueOrDefault((id, r), RecipientState.Pending), entry.Recipients[r].State);
                }
            }

            List<SpooledMessage> everything = SpoolReader.ReadMessages(_directory.Path);
            foreach (QueueId id in _refused)
            {
                Assert.DoesNotContain(everything, message => message.QueueId == id);
            }

            Assert.All(live, entry => Assert.True(_acknowledged.ContainsKey(entry.QueueId), $"{entry.QueueId} was never acknowledged"));
            foreach (long segment in SpoolFormat.ListSegments(_directory.Path, SpoolFileSystem.Instance))
            {
                string path = SpoolFormat.SegmentPath(_directory.Path, segment);
                Assert.Equal(new FileInfo(path).Length, SpoolReader.ScanSegment(path, onRecord: null));
            }

            var owned = live.Where(entry => entry.BodyInFile).Select(entry => entry.QueueId.ToString()).ToHashSet();
            Assert.All(Directory.GetFiles(SpoolFormat.DataDirectory(_directory.Path)), file => Assert.Contains(Path.GetFileName(file), owned));
        }

        public void Dispose()
        {
            _spool?.Dispose();
            _directory.Dispose();
        }

        private Spool Open()
        {
            var spool = new Spool(_directory.Path, _logger, segmentRolloverLength: 2048, files: Files, time: _time);
            spool.Committed += entry => _entries[entry.QueueId] = entry;
            return spool;
        }

        /// <summary>Recovery may fail and be tried again after its back-off.</summary>
        private async Task<IReadOnlyList<QueueEntry>> RecoveredAsync(Spool spool)
        {
            for (int round = 0; round < 20 && !spool.Recovered.IsCompleted; round++)
            {
                SeeFault();
                _time.Advance(TimeSpan.FromMinutes(1));
                await Task.WhenAny(spool.Recovered, Task.Delay(100));
            }

            return await spool.Recovered.WaitAsync(TimeSpan.FromSeconds(10));
        }

        /// <summary>A client sending a message until it is accepted, as a real one retries after a 4xx.</summary>
        private async Task<QueueId> CommitAsync(string body, int recipients, bool spill)
        {
            for (int attempt = 0; attempt < 10; attempt++)
            {
                PendingMessage message = SpoolTests.NewMessage("s@a.example", [.. Enumerable.Range(0, recipients).Select(r => $"r{r}@b.example")], body);
                CommitResult result;
                try
                {
                    if (spill)
                    {
                        _spool!.Spill(message);
                    }

                    result = await _spool!.CommitAsync(message).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
                }
                catch (IOException)
                {
                    // The session answers a failed spill with 4xx too.
                    result = CommitResult.StorageError;
                }

                if (result == CommitResult.Committed)
                {
                    _acknowledged[message.QueueId] = (body, recipients);
                    message.Body.Reset(keepFile: true);
                    return message.QueueId;
                }

                _refused.Add(message.QueueId);
                message.Body.Reset();
                SeeFault();
                _time.Advance(TimeSpan.FromMinutes(1));
            }

            throw new InvalidOperationException("a message was refused ten times");
        }

        private async Task RecordAsync(QueueId id, int recipient, RecipientState state)
        {
            if (!_acknowledged.ContainsKey(id) || _recorded.ContainsKey((id, recipient)))
            {
                return;
            }

            for (int attempt = 0; attempt < 10; attempt++)
            {
                var change = new RecipientStateChange(id, recipient, state, 1, _time.GetUtcNow().AddMinutes(5), "2.0.0 ok");
                if (await _spool!.RecordAsync([change]).WaitAsync(TimeSpan.FromSeconds(10)) == CommitResult.Committed)
                {
                    _recorded[(id, recipient)] = state;
                    return;
                }

                SeeFault();
                _time.Advance(TimeSpan.FromMinutes(1));
            }

            throw new InvalidOperationException("a state change was refused ten times");
        }

        /// <summary>A lasting fault clears once the workload has run into it twice.</summary>
        private void SeeFault()
        {
            if (CrashAtFirstRefusal)
            {
                throw new CrashNow();
            }

            if (++_faultsSeen >= 2)
            {
                Files.Clear();
            }
        }
    }

    private sealed class CrashNow : Exception;

    /// <summary>A logger that keeps what was logged at Critical: the spool's "unexpected error".</summary>
    internal sealed class RecordingLogger<T> : ILogger<T>
    {
        public List<string> Critical { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Critical)
            {
                lock (Critical)
                {
                    Critical.Add(formatter(state, exception) + " " + exception);
                }
            }
        }
    }
}
