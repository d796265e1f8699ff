using System.Collections.Concurrent;
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
/// thread survives any exception. This file is the spool's face; the commit thread is in
/// Spool.Commit.cs. Its parts: <see cref="SegmentLog"/> (the head of the log),
/// <see cref="SegmentFiles"/> (the other segments), <see cref="SpoolIndex"/> (what is live
/// where), <see cref="SpoolBatch"/> (a batch serialised), <see cref="SpoolRecovery"/>
/// (start-up) and <see cref="SpoolFaultState"/> (the fault and its back-off). Every file
/// operation goes through <see cref="ISpoolFileSystem"/>. The layout is in <see cref="SpoolFormat"/>.
/// </para>
/// </summary>
public sealed partial class Spool : IMessageStore, IDisposable
{
    private readonly string _directory;
    private readonly ISpoolFileSystem _files;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly long _segmentRolloverLength;
    private readonly ConcurrentQueue<PendingMessage> _incoming = new();
    private readonly ConcurrentQueue<StateBatch> _incomingStates = new();
    private readonly ManualResetEventSlim _signal = new(false);
    private readonly Lock _gate = new();
    private readonly SpoolFaultState _fault;
    private readonly Thread _committer;
    private readonly TaskCompletionSource<IReadOnlyList<QueueEntry>> _recovered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Guards the index and the segment files, which the delivery side uses too.</summary>
    private readonly Lock _lock = new();
    private readonly SpoolIndex _index = new();
    private readonly SegmentFiles _segments;

    /// <summary>Null until recovery has succeeded.</summary>
    private SegmentLog? _log;
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
        _segments = new SegmentFiles(_files, _directory, logger);
        _fault = new SpoolFaultState(_time, logger, Wake);
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
            _fault.Enter(exception, "recovery");
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

    public int Backlog => _index.Count;

    /// <summary>Why the spool cannot commit now; null while it can.</summary>
    public SpoolFault? Fault => _fault.Current;

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
    public Task<CommitResult> RecordAsync(IReadOnlyList<RecipientStateChange> changes) => Enqueue(new StateBatch(changes)).Completion;

    /// <summary>
    /// <see cref="RecordAsync"/> for the delivery path: the outcome goes to
    /// <paramref name="callback"/> on the commit thread, with no task or continuation made per call.
    /// </summary>
    public void Record(IReadOnlyList<RecipientStateChange> changes, IRecordedCallback callback) => Enqueue(new StateBatch(changes, callback));

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

    /// <summary>
    /// Records an operator's action (`queue hold`, `release`, `delete`) for every unfinished
    /// message <paramref name="which"/> selects; returns the messages it changed, once that is
    /// durable (none when the spool could not commit).
    /// </summary>
    public async Task<(CommitResult Result, List<QueueEntry> Changed)> ApplyAsync(QueueAction action, Func<QueueEntry, bool> which)
    {
        List<QueueEntry> selected;
        lock (_lock)
        {
            selected = _index.Select(which);
        }

        var changes = new List<RecipientStateChange>();
        var changed = new List<QueueEntry>();
        DateTimeOffset now = _time.GetUtcNow();
        foreach (QueueEntry entry in selected)
        {
            List<RecipientStateChange> mine = entry.ChangesFor(action, now);
            if (mine.Count > 0)
            {
                changes.AddRange(mine);
                changed.Add(entry);
            }
        }

        if (changes.Count == 0)
        {
            return (CommitResult.Committed, changed);
        }

        CommitResult result = await RecordAsync(changes);
        return (result, result == CommitResult.Committed ? changed : []);
    }

    /// <summary>A queued message with its body, read from its record through a handle kept per segment.</summary>
    public SpooledMessage ReadMessage(QueueEntry entry)
    {
        SpoolLocation location = entry.Location;
        return SpoolReader.ReadMessageAt(_files, ReaderOf(location.Segment), _directory, location.Segment, location.Offset);
    }

    /// <summary>Reads a queued message's record into <paramref name="record"/> (see <see cref="SpoolReader.ReadRecord(ISpoolFileSystem, SafeFileHandle, string, long, long, SpooledRecord)"/>).</summary>
    public void ReadRecord(QueueEntry entry, SpooledRecord record)
    {
        SpoolLocation location = entry.Location;
        SpoolReader.ReadRecord(_files, ReaderOf(location.Segment), _directory, location.Segment, location.Offset, record);
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

        // Counted after the commit: a record that could not be read stays where it was, and
        // counting it as moved would have the caller try the same segment again at once.
        long oldest = move[0].Segment;
        return await Enqueue(new StateBatch([], move)).Completion == CommitResult.Committed ? move.Count(entry => entry.Segment != oldest) : 0;
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
            states.Complete(CommitResult.StorageError);
        }

        _recovered.TrySetCanceled();
        _fault.Dispose();
        lock (_lock)
        {
            _segments.Dispose();
            _log?.Dispose();
        }

        _signal.Dispose();
    }

    /// <summary>Hands a batch to the commit thread; its outcome is the batch's task, or goes to its callback.</summary>
    private StateBatch Enqueue(StateBatch batch)
    {
        lock (_gate)
        {
            if (!_stopping)
            {
                _incomingStates.Enqueue(batch);
                _signal.Set();
                return batch;
            }
        }

        batch.Complete(CommitResult.StorageError);
        return batch;
    }

    /// <summary>Wakes the commit thread: work arrived, or a back-off is over.</summary>
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

    private SafeFileHandle ReaderOf(long segment)
    {
        lock (_lock)
        {
            return _segments.ReaderOf(segment);
        }
    }

    /// <summary>Under the lock.</summary>
    private void DeleteSpentSegments()
    {
        if (_log is not null)
        {
            _segments.DeleteSpent(_index, _log.HeadNumber);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Spool body file of {QueueId} could not be deleted ({Reason}); the next start deletes it")]
    private static partial void LogBodyNotDeleted(ILogger logger, QueueId queueId, string reason);
}
