using System.Collections.Concurrent;
using FastSmtp.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace FastSmtp.Queue;

/// <summary>
/// The durable queue: sessions hand over finished messages, the delivery side hands over
/// recipient state changes, and one thread writes them in batches, each made durable by one
/// write and one fsync (group commit) before any of its clients is answered. While one batch
/// is being synced the next one gathers, so more concurrent sessions mean more messages per
/// fsync, not more fsyncs (SpoolCommitBenchmarks: 64 sessions shared each fsync 46.5 to 1).
/// <para>
/// The fsync is the commit point. A failure before it leaves the log as it was and fails only
/// that batch; nothing after it (announcing, rolling over, deleting spent segments) can undo
/// it. A failure of the log puts the spool in a fault (<see cref="Fault"/>): commits are
/// answered 451, or 452 when the disk is full, without touching the disk, and the commit thread
/// tries again with growing back-off until the log is sound, then commits again. The commit
/// thread survives any exception. See <see cref="SpoolFormat"/> for the layout; the parts are
/// <see cref="SegmentLog"/> (the head of the log), <see cref="SpoolIndex"/> (what is live where),
/// <see cref="SpoolBatch"/> (a batch serialised) and <see cref="SpoolRecovery"/> (start-up).
/// </para>
/// </summary>
public sealed partial class Spool : IMessageStore, IDisposable
{
    /// <summary>How long recipient state changes alone wait to be committed with messages.</summary>
    private static readonly TimeSpan StateChangeDelay = TimeSpan.FromMilliseconds(5);

    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(100);

    private static readonly TimeSpan LongestRetry = TimeSpan.FromSeconds(10);

    /// <summary>Free space that ends a "spool full" fault when no message comes to try.</summary>
    private const long SpaceToResume = 4L * 1024 * 1024;

    private readonly string _directory;
    private readonly ISpoolFileSystem _files;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly long _segmentRolloverLength;
    private readonly ConcurrentQueue<PendingMessage> _incoming = new();
    private readonly ConcurrentQueue<StateBatch> _incomingStates = new();
    private readonly ManualResetEventSlim _signal = new(false);
    private readonly Lock _gate = new();
    private readonly List<PendingMessage> _batch = [];
    private readonly List<StateBatch> _stateBatch = [];
    private readonly SpoolBatch _records = new();
    private readonly Thread _committer;
    private readonly TaskCompletionSource<IReadOnlyList<QueueEntry>> _recovered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Guards the index and the read handles, which the delivery side uses too.</summary>
    private readonly Lock _lock = new();
    private readonly SpoolIndex _index = new();

    /// <summary>Read handles of segments the delivery side reads messages from, kept open until the segment goes.</summary>
    private readonly Dictionary<long, SafeFileHandle> _readers = [];

    /// <summary>Null until recovery has succeeded.</summary>
    private SegmentLog? _log;
    private volatile SpoolFault? _fault;
    private TimeSpan _retryDelay;
    private DateTimeOffset _retryAt;
    private ITimer? _retryTimer;
    private DateTimeOffset _prepareNextAt;
    private volatile bool _stopping;

    /// <param name="segmentRolloverLength">Tests make it small to see segments come and go.</param>
    /// <param name="files">Every file operation goes through it; tests make calls fail.</param>
    /// <param name="time">The clock of the retry back-off.</param>
    public Spool(string directory, ILogger<Spool> logger, long segmentRolloverLength = SpoolFormat.SegmentRolloverLength, ISpoolFileSystem? files = null, TimeProvider? time = null)
    {
        _directory = Path.GetFullPath(directory);
        _logger = logger;
        _segmentRolloverLength = segmentRolloverLength;
        _files = files ?? SpoolFileSystem.Instance;
        _time = time ?? TimeProvider.System;
        try
        {
            Recover();
        }
        catch (UnauthorizedAccessException)
        {
            // A spool this user may not write is a mistake in the set-up, not a passing fault.
            throw;
        }
        catch (Exception exception)
        {
            EnterFault(exception, "recovery");
        }

        _committer = new Thread(CommitLoop) { IsBackground = true, Name = "FastSmtp spool commit" };
        _committer.Start();
    }

    public string Directory => _directory;

    /// <summary>
    /// The messages found unfinished in the log, oldest first; completes when recovery has
    /// succeeded (at once, unless reading the spool failed at start-up and is being tried again).
    /// </summary>
    public Task<IReadOnlyList<QueueEntry>> Recovered => _recovered.Task;

    /// <summary>
    /// Raised on the commit thread for each message once it is durable, before its session is
    /// told: the delivery side queues it from here. Handlers must only hand the entry on.
    /// </summary>
    public event Action<QueueEntry>? Committed;

    /// <summary>Messages committed in batches, and the number of batches: their ratio is the fsync saving.</summary>
    public long CommittedMessages { get; private set; }

    public long CommittedBatches { get; private set; }

    /// <summary>Why the spool cannot commit now; null while it can.</summary>
    public SpoolFault? Fault => _fault;

    /// <summary>Log segments still on disk (the head and a prepared next one included).</summary>
    public int SegmentCount
    {
        get
        {
            lock (_lock)
            {
                return _index.SegmentCount;
            }
        }
    }

    public ValueTask<CommitResult> CommitAsync(PendingMessage message)
    {
        ValueTask<CommitResult> completion = message.PrepareCommit();
        lock (_gate)
        {
            if (!_stopping)
            {
                _incoming.Enqueue(message);
                _signal.Set();
                return completion;
            }
        }

        message.CompleteCommit(CommitResult.StorageError);
        return completion;
    }

    /// <summary>
    /// Makes recipient state changes durable, in the same group commit as messages; completes
    /// when they are fsync'd (or failed to be). The delivery side records an attempt's outcome through this.
    /// </summary>
    public Task<CommitResult> RecordAsync(IReadOnlyList<RecipientStateChange> changes) => Enqueue(new StateBatch(changes));

    public void Spill(PendingMessage message) =>
        message.Body.SpillTo(_files, SpoolFormat.DataPath(_directory, message.QueueId));

    /// <summary>
    /// A message has left the queue (every recipient delivered or failed, and that recorded):
    /// its body file goes, and log segments holding nothing live any more are deleted, oldest
    /// first. A deletion that fails is left for later (a body file for the next start).
    /// </summary>
    public void Retire(QueueEntry entry)
    {
        if (entry.BodyInFile)
        {
            try
            {
                _files.Delete(SpoolFormat.DataPath(_directory, entry.QueueId));
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                LogBodyNotDeleted(_logger, entry.QueueId, exception.Message);
            }
        }

        lock (_lock)
        {
            _index.Remove(entry);
            DeleteSpentSegments();
        }
    }

    /// <summary>A queued message with its body, read from its record through a handle kept per segment.</summary>
    public SpooledMessage ReadMessage(QueueEntry entry)
    {
        SpoolLocation location = entry.Location;
        return SpoolReader.ReadMessageAt(_files, ReaderOf(location.Segment), _directory, location.Segment, location.Offset);
    }

    /// <summary>The envelope, and the body in a pooled buffer (see <see cref="SpoolReader.ReadMessageRented"/>).</summary>
    public SpooledMessage ReadMessageRented(QueueEntry entry, out byte[]? rented, out ReadOnlyMemory<byte> body)
    {
        SpoolLocation location = entry.Location;
        return SpoolReader.ReadMessageRented(_files, ReaderOf(location.Segment), _directory, location.Segment, location.Offset, out rented, out body);
    }

    /// <summary>
    /// Compaction: while more than <paramref name="maxSegments"/> segments are on disk, the
    /// unfinished messages of the oldest are copied, with their recipients' current states, to
    /// the head of the log, and the segment is deleted. A message deferred for days would
    /// otherwise keep every segment written after it. Returns how many messages were moved.
    /// </summary>
    public async Task<int> CompactAsync(int maxSegments)
    {
        List<QueueEntry>? move;
        lock (_lock)
        {
            move = _log is null ? null : _index.OldestToCompact(maxSegments, _log.HeadNumber);
        }

        if (move is null)
        {
            return 0;
        }

        return await Enqueue(new StateBatch([], move)) == CommitResult.Committed ? move.Count : 0;
    }

    /// <summary>Messages still queued and the age of the oldest, for the queue gauges.</summary>
    public (int Messages, double OldestAgeSeconds) QueueSnapshot()
    {
        lock (_lock)
        {
            return _index.Snapshot(_time.GetUtcNow());
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _stopping = true;
        }

        _signal.Set();
        _committer.Join();

        // Nothing is enqueued once stopping is set; whatever came before and was not taken is refused.
        while (_incoming.TryDequeue(out PendingMessage? message))
        {
            message.CompleteCommit(CommitResult.StorageError);
        }

        while (_incomingStates.TryDequeue(out StateBatch? states))
        {
            states.Completion.TrySetResult(CommitResult.StorageError);
        }

        _recovered.TrySetCanceled();
        _retryTimer?.Dispose();
        lock (_lock)
        {
            foreach (SafeFileHandle reader in _readers.Values)
            {
                reader.Dispose();
            }

            _readers.Clear();
            _log?.Dispose();
        }

        _signal.Dispose();
    }

    private Task<CommitResult> Enqueue(StateBatch batch)
    {
        lock (_gate)
        {
            if (!_stopping)
            {
                _incomingStates.Enqueue(batch);
                _signal.Set();
                return batch.Completion.Task;
            }
        }

        batch.Completion.SetResult(CommitResult.StorageError);
        return batch.Completion.Task;
    }

    private void CommitLoop()
    {
        while (true)
        {
            _signal.Wait();
            _signal.Reset();
            if (_incoming.IsEmpty && !_stopping)
            {
                // Only state changes: they wait a moment for messages to share their fsync. No
                // 250 waits on them, and a crash in that moment can only repeat a delivery.
                _signal.Wait(StateChangeDelay);
                _signal.Reset();
            }

            while (_incoming.TryDequeue(out PendingMessage? message))
            {
                _batch.Add(message);
            }

            while (_incomingStates.TryDequeue(out StateBatch? states))
            {
                _stateBatch.Add(states);
            }

            if (_batch.Count == 0 && _stateBatch.Count == 0 && _stopping)
            {
                return;
            }

            CommitResult result = CommitResult.StorageError;
            try
            {
                result = CommitBatch();
            }
            catch (Exception exception)
            {
                // A bug, not an I/O error (those are handled where they happen): the thread lives
                // on, the batch is refused, and the log is checked before the next one.
                LogUnexpected(_logger, exception);
                EnterFault(exception, "commit");
                result = CommitResult.StorageError;
            }
            finally
            {
                foreach (PendingMessage message in _batch)
                {
                    message.CompleteCommit(result);
                }

                foreach (StateBatch states in _stateBatch)
                {
                    states.Completion.TrySetResult(result);
                }

                _batch.Clear();
                _stateBatch.Clear();
            }
        }
    }

    /// <summary>Commits the gathered batch, or says why it cannot; a fault is tried again once its back-off is over.</summary>
    private CommitResult CommitBatch()
    {
        if (_fault is { } fault && !TryResume(fault))
        {
            return _fault!.Result;
        }

        return _batch.Count == 0 && _stateBatch.Count == 0 ? CommitResult.Committed : WriteBatch();
    }

    /// <summary>
    /// After the back-off: recovers or repairs the log. With a batch to write, that write decides
    /// whether the fault is over; without one (a retry timer), the repair does, and for a full
    /// disk, the free space.
    /// </summary>
    private bool TryResume(SpoolFault fault)
    {
        if (_time.GetUtcNow() < _retryAt)
        {
            return false;
        }

        try
        {
            if (_log is null)
            {
                Recover();
            }
            else
            {
                _log.Repair();
            }

            if (_batch.Count == 0 && _stateBatch.Count == 0)
            {
                if (fault.Result == CommitResult.InsufficientStorage && _files.AvailableBytes(_directory) < SpaceToResume)
                {
                    ScheduleRetry();
                    return false;
                }

                ClearFault();
            }

            return true;
        }
        catch (Exception exception)
        {
            EnterFault(exception, _log is null ? "recovery" : "repair");
            return false;
        }
    }

    private CommitResult WriteBatch()
    {
        SegmentLog log = _log!;
        _records.Clear();
        SyncSpilledBodies();
        foreach (PendingMessage message in _batch)
        {
            _records.AddMessage(message);
        }

        foreach (StateBatch states in _stateBatch)
        {
            // Indexed, not enumerated: an interface enumerator would be an object per batch.
            for (int i = 0; i < states.Changes.Count; i++)
            {
                _records.AddStateChange(states.Changes[i]);
            }

            for (int i = 0; i < (states.Relocate?.Count ?? 0); i++)
            {
                if (ReadForRelocation(states.Relocate![i]) is { } payload)
                {
                    _records.AddRelocation(states.Relocate[i], payload);
                }
            }
        }

        if (_records.RecordCount == 0)
        {
            return CommitResult.Committed;
        }

        _records.Seal(log.HeadNumber, log.Length);
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            log.Append(_records.Buffers, _records.Length);
        }
        catch (Exception exception)
        {
            LogCommitFailed(_logger, exception, _batch.Count + _stateBatch.Count, _directory);
            EnterFault(exception, "commit");
            TryRepairAtOnce(log);
            return _fault!.Result;
        }

        // The commit point: the batch is durable, and its clients get their 250 whatever follows.
        SmtpMetrics.FsyncDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
        SmtpMetrics.FsyncBatchSize.Record(_records.RecordCount);
        CommittedMessages += _batch.Count;
        CommittedBatches++;
        if (_fault is not null)
        {
            ClearFault();
        }

        try
        {
            AfterCommit();
        }
        catch (Exception exception)
        {
            LogUnexpected(_logger, exception);
        }

        return CommitResult.Committed;
    }

    /// <summary>
    /// Cuts off what the failed append left before its clients hear 4xx: a batch written whole
    /// whose fsync failed would otherwise be found, and delivered, at the next start after a
    /// crash. When the cut fails too, the next append or retry makes it first.
    /// </summary>
    private void TryRepairAtOnce(SegmentLog log)
    {
        try
        {
            log.Repair();
        }
        catch (Exception exception)
        {
            LogRepairFailed(_logger, exception.Message);
        }
    }

    /// <summary>
    /// Makes spilled bodies durable before the records that point at them. A body that cannot be
    /// synced fails its own message (answered at once, dropped from the batch), not the batch.
    /// </summary>
    private void SyncSpilledBodies()
    {
        bool spilled = false;
        for (int i = _batch.Count - 1; i >= 0; i--)
        {
            PendingMessage message = _batch[i];
            if (message.Body.FilePath is null)
            {
                continue;
            }

            try
            {
                message.Body.FlushToDisk();
                spilled = true;
            }
            catch (Exception exception)
            {
                LogBodyNotSynced(_logger, message.QueueId, exception.Message);
                _batch.RemoveAt(i);
                message.CompleteCommit(SpoolFault.ResultOf(exception));
            }
        }

        if (!spilled)
        {
            return;
        }

        try
        {
            _files.FlushDirectory(SpoolFormat.DataDirectory(_directory));
        }
        catch (Exception exception)
        {
            for (int i = _batch.Count - 1; i >= 0; i--)
            {
                if (_batch[i].Body.FilePath is not null)
                {
                    LogBodyNotSynced(_logger, _batch[i].QueueId, exception.Message);
                    _batch[i].CompleteCommit(SpoolFault.ResultOf(exception));
                    _batch.RemoveAt(i);
                }
            }
        }
    }

    /// <summary>
    /// What follows a commit, none of which can undo it: the index learns the batch (state
    /// changes are applied here, on the commit thread, so a compaction copy written later always
    /// carries the states written before it), the delivery side hears of the new messages, the
    /// head rolls over, the next segment is prepared and spent segments go.
    /// </summary>
    private void AfterCommit()
    {
        SegmentLog log = _log!;
        lock (_lock)
        {
            foreach (QueueEntry entry in _records.Committed)
            {
                _index.Add(entry);
            }

            foreach (StateBatch states in _stateBatch)
            {
                for (int i = 0; i < states.Changes.Count; i++)
                {
                    _index.Apply(states.Changes[i]);
                }
            }

            foreach ((QueueEntry entry, SpoolLocation location) in _records.Relocated)
            {
                _index.Move(entry, location);
            }
        }

        foreach (QueueEntry entry in _records.Committed)
        {
            try
            {
                Committed?.Invoke(entry);
            }
            catch (Exception exception)
            {
                LogUnexpected(_logger, exception);
            }
        }

        lock (_lock)
        {
            PrepareNextSegment(log);
            if (log.RollOverIfFull())
            {
                PrepareNextSegment(log);
            }

            DeleteSpentSegments();
        }
    }

    /// <summary>Creates the next segment ahead of time; when that fails the head grows on, and it is tried again later.</summary>
    private void PrepareNextSegment(SegmentLog log)
    {
        if (log.NextPrepared || _time.GetUtcNow() < _prepareNextAt)
        {
            return;
        }

        try
        {
            if (log.PrepareNext() is var prepared and > 0)
            {
                _index.AddSegment(prepared);
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            _prepareNextAt = _time.GetUtcNow() + TimeSpan.FromSeconds(1);
            LogNextSegmentFailed(_logger, log.HeadNumber + 1, exception.Message);
        }
    }

    /// <summary>Deletes spent segments, oldest first; stops at the first that cannot go (tried again at the next retirement or commit).</summary>
    private void DeleteSpentSegments()
    {
        if (_log is null)
        {
            return;
        }

        while (_index.TryGetSpentSegment(_log.HeadNumber, out long segment))
        {
            if (_readers.Remove(segment, out SafeFileHandle? reader))
            {
                reader.Dispose();
            }

            try
            {
                _files.Delete(SpoolFormat.SegmentPath(_directory, segment));

                // A deletion a crash undid would bring back messages whose states lie in a later
                // segment that is gone too: each is made durable before the next.
                _files.FlushDirectory(SpoolFormat.QueueDirectory(_directory));
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                LogSegmentNotDeleted(_logger, segment, exception.Message);
                return;
            }

            _index.RemoveSegment(segment);
            LogSegmentDeleted(_logger, segment);
        }
    }

    /// <summary>A live message's record as it is, for compaction; null (it stays where it is) when it cannot be read.</summary>
    private byte[]? ReadForRelocation(QueueEntry entry)
    {
        lock (_lock)
        {
            if (!_index.Contains(entry.QueueId))
            {
                return null;
            }
        }

        SpoolLocation location = entry.Location;
        try
        {
            if (SpoolReader.ReadPayloadAt(_files, ReaderOf(location.Segment), location.Offset) is { } payload)
            {
                return payload;
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
        }

        // Never fail the batch (other sessions' messages ride in it): the message stays where it is.
        LogRelocationFailed(_logger, entry.QueueId, location.Segment);
        return null;
    }

    private SafeFileHandle ReaderOf(long segment)
    {
        lock (_lock)
        {
            if (!_readers.TryGetValue(segment, out SafeFileHandle? reader))
            {
                reader = SpoolReader.OpenForReading(_files, SpoolFormat.SegmentPath(_directory, segment));
                _readers[segment] = reader;
            }

            return reader;
        }
    }

    /// <summary>Reads the log back; on success the spool can commit, and the delivery side gets what was left.</summary>
    private void Recover()
    {
        SpoolRecovery.Result recovered = SpoolRecovery.Run(_files, _directory, _segmentRolloverLength, _logger);
        lock (_lock)
        {
            foreach (long segment in recovered.Segments)
            {
                _index.AddSegment(segment);
            }

            foreach (QueueEntry entry in recovered.Live)
            {
                _index.Add(entry);
            }

            _log = recovered.Log;
            DeleteSpentSegments();
        }

        _recovered.TrySetResult(recovered.Live);
    }

    private void EnterFault(Exception exception, string step)
    {
        bool first = _fault is null;
        _fault = SpoolFault.Of(exception);
        _retryDelay = first ? FirstRetry : TimeSpan.FromTicks(Math.Min(_retryDelay.Ticks * 2, LongestRetry.Ticks));
        if (first)
        {
            SmtpMetrics.SpoolFaults.Add(1);
        }

        LogFault(_logger, step, _fault.Summary, _retryDelay.TotalSeconds);
        ScheduleRetry();
    }

    /// <summary>A timer wakes the commit thread after the back-off, so the fault can end with no message arriving.</summary>
    private void ScheduleRetry()
    {
        _retryAt = _time.GetUtcNow() + _retryDelay;
        _retryTimer?.Dispose();
        _retryTimer = _time.CreateTimer(static state => ((Spool)state!).Wake(), this, _retryDelay, Timeout.InfiniteTimeSpan);
    }

    private void Wake()
    {
        try
        {
            _signal.Set();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private void ClearFault()
    {
        _fault = null;
        _retryTimer?.Dispose();
        _retryTimer = null;
        LogResumed(_logger, _directory);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Spool commit of {Count} messages and state batches to {Spool} failed")]
    private static partial void LogCommitFailed(ILogger logger, Exception exception, int count, string spool);

    [LoggerMessage(Level = LogLevel.Error, Message = "Spool cannot commit ({Step}): {Fault}; messages are refused with 4xx, trying again in {Seconds} s")]
    private static partial void LogFault(ILogger logger, string step, string fault, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Spool could not cut off a failed batch ({Reason}); it is cut before anything else is written")]
    private static partial void LogRepairFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Spool {Spool} commits again")]
    private static partial void LogResumed(ILogger logger, string spool);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Spool commit thread caught an unexpected error; it goes on")]
    private static partial void LogUnexpected(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Spool body of {QueueId} could not be made durable ({Reason}); the message is refused")]
    private static partial void LogBodyNotSynced(ILogger logger, QueueId queueId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Spool body file of {QueueId} could not be deleted ({Reason}); the next start deletes it")]
    private static partial void LogBodyNotDeleted(ILogger logger, QueueId queueId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Spool segment {Segment} could not be created ({Reason}); the current one grows on until it can")]
    private static partial void LogNextSegmentFailed(ILogger logger, long segment, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Spool segment {Segment} holds nothing undelivered any more; deleted")]
    private static partial void LogSegmentDeleted(ILogger logger, long segment);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Spool segment {Segment} holds nothing undelivered, but deleting it failed ({Reason}); tried again later")]
    private static partial void LogSegmentNotDeleted(ILogger logger, long segment, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Compaction could not read {QueueId} in segment {Segment}; it stays there")]
    private static partial void LogRelocationFailed(ILogger logger, QueueId queueId, long segment);
}
