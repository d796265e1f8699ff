using System.Buffers.Binary;
using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using IODirectory = System.IO.Directory;

namespace FastSmtp.Queue;

/// <summary>
/// The durable queue's write side: sessions hand over finished messages, one thread writes them
/// in batches and makes each batch durable with one fsync (group commit), then completes every
/// message of the batch. While one batch is being synced the next one gathers, so more
/// concurrent sessions mean more messages per fsync, not more fsyncs (SpoolCommitBenchmarks:
/// 64 sessions shared each fsync 46.5 to 1 in the recorded run; see bench/README.md).
/// See <see cref="SpoolFormat"/> for the layout.
/// </summary>
public sealed partial class Spool : IMessageStore, IDisposable
{
    private readonly string _directory;
    private readonly ILogger _logger;
    private readonly ConcurrentQueue<PendingMessage> _incoming = new();
    private readonly ManualResetEventSlim _signal = new(false);
    private readonly List<PendingMessage> _batch = [];
    private readonly ConcurrentQueue<StateBatch> _incomingStates = new();
    private readonly List<StateBatch> _stateBatch = [];
    private readonly List<(int Start, int End, PendingMessage? Message, QueueEntry? Relocated)> _layout = [];
    private readonly List<ReadOnlyMemory<byte>> _gather = [];
    private readonly List<QueueEntry> _committedEntries = [];
    private readonly List<(QueueEntry Entry, SpoolLocation Location)> _relocated = [];
    private readonly SpoolRecordWriter _records = new();
    private readonly Thread _committer;
    /// <summary>Every segment on disk, oldest first, with the unfinished messages whose record it holds.</summary>
    // A sorted list, not a sorted dictionary: segments are only added at the end and deleted from
    // the front, and the oldest is looked at on every retirement (a tree's enumerator allocates).
    private readonly SortedList<long, HashSet<QueueEntry>> _liveMessagesBySegment = [];

    /// <summary>The unfinished messages by id: state changes are applied to them as they are committed.</summary>
    private readonly Dictionary<ulong, QueueEntry> _liveMessages = [];

    /// <summary>Read handles of segments the delivery side reads messages from, kept open until the segment goes.</summary>
    private readonly Dictionary<long, SafeFileHandle> _readers = [];
    private readonly Lock _retireLock = new();
    private SafeFileHandle _segment;
    private long _segmentNumber;
    private long _segmentLength;
    private volatile bool _stopping;

    /// <summary>How long recipient state changes alone wait to be committed with messages.</summary>
    private static readonly TimeSpan StateChangeDelay = TimeSpan.FromMilliseconds(5);

    private readonly long _segmentRolloverLength;

    /// <param name="segmentRolloverLength">Tests make it small to see segments come and go.</param>
    public Spool(string directory, ILogger<Spool> logger, long segmentRolloverLength = SpoolFormat.SegmentRolloverLength)
    {
        _segmentRolloverLength = segmentRolloverLength;
        _directory = Path.GetFullPath(directory);
        _logger = logger;
        IODirectory.CreateDirectory(SpoolFormat.QueueDirectory(_directory));
        IODirectory.CreateDirectory(SpoolFormat.DataDirectory(_directory));
        _segment = OpenLastSegment();
        Recovered = Recover();
        _committer = new Thread(CommitLoop) { IsBackground = true, Name = "FastSmtp spool commit" };
        _committer.Start();
    }

    public string DataDirectory => SpoolFormat.DataDirectory(_directory);

    public string Directory => _directory;

    /// <summary>The messages found unfinished in the log at start-up, oldest first.</summary>
    public IReadOnlyList<QueueEntry> Recovered { get; }

    /// <summary>
    /// Raised on the commit thread for each message once it is durable, before its session is
    /// told: the delivery side queues it from here. Handlers must only hand the entry on.
    /// </summary>
    public event Action<QueueEntry>? Committed;

    /// <summary>Messages committed in batches, and the number of batches: their ratio is the fsync saving.</summary>
    public long CommittedMessages { get; private set; }

    public long CommittedBatches { get; private set; }

    public ValueTask<CommitResult> CommitAsync(PendingMessage message)
    {
        ValueTask<CommitResult> completion = message.PrepareCommit();
        if (_stopping)
        {
            message.CompleteCommit(CommitResult.StorageError);
            return completion;
        }

        _incoming.Enqueue(message);
        _signal.Set();
        return completion;
    }

    /// <summary>
    /// Makes recipient state changes durable, in the same group commit as messages; completes
    /// when they are fsync'd. The delivery side records an attempt's outcome through this.
    /// </summary>
    public Task<CommitResult> RecordAsync(IReadOnlyList<RecipientStateChange> changes)
    {
        var batch = new StateBatch(changes);
        if (_stopping)
        {
            batch.Completion.SetResult(CommitResult.StorageError);
            return batch.Completion.Task;
        }

        _incomingStates.Enqueue(batch);
        _signal.Set();
        return batch.Completion.Task;
    }

    public void Dispose()
    {
        _stopping = true;
        _signal.Set();
        _committer.Join();
        _segment.Dispose();
        foreach (SafeFileHandle reader in _readers.Values)
        {
            reader.Dispose();
        }

        _signal.Dispose();
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

            if (_batch.Count > 0 || _stateBatch.Count > 0)
            {
                CommitResult result = WriteBatch();
                foreach (PendingMessage message in _batch)
                {
                    message.CompleteCommit(result);
                }

                foreach (StateBatch states in _stateBatch)
                {
                    states.Completion.SetResult(result);
                }

                _batch.Clear();
                _stateBatch.Clear();
            }
            else if (_stopping)
            {
                return;
            }
        }
    }

    private CommitResult WriteBatch()
    {
        long start = _segmentLength;
        try
        {
            _records.Clear();
            _gather.Clear();
            _layout.Clear();
            bool spilled = false;

            // Every record's header and fixed part go into one buffer first; the gather list is
            // built afterwards, since the buffer may grow (and move) while serialising.
            foreach (PendingMessage message in _batch)
            {
                if (message.Body.FilePath is not null)
                {
                    message.Body.FlushToDisk();
                    spilled = true;
                }

                int recordStart = _records.Reserve(SpoolFormat.HeaderLength);
                _records.WriteEnvelope(message);
                _records.WriteByte(message.Body.FilePath is null ? SpoolFormat.BodyInline : SpoolFormat.BodyInFile);
                _records.WriteUInt64((ulong)message.Body.Length);
                _layout.Add((recordStart, _records.Length, message, null));
            }

            foreach (StateBatch states in _stateBatch)
            {
                // Indexed, not enumerated: an interface enumerator would be an object per batch.
                for (int i = 0; i < states.Changes.Count; i++)
                {
                    RecipientStateChange change = states.Changes[i];
                    int recordStart = _records.Reserve(SpoolFormat.HeaderLength);
                    _records.WriteStateChange(change);
                    _layout.Add((recordStart, _records.Length, null, null));
                }

                foreach (QueueEntry entry in states.Relocate ?? [])
                {
                    WriteRelocation(entry);
                }
            }

            if (spilled)
            {
                DirectorySync.Flush(DataDirectory);
            }

            long total = 0;
            _committedEntries.Clear();
            _relocated.Clear();
            foreach ((int recordStart, int fixedEnd, PendingMessage? message, QueueEntry? relocated) in _layout)
            {
                if (message is not null)
                {
                    _committedEntries.Add(NewEntry(message, _segmentNumber, start + total));
                }
                else if (relocated is not null)
                {
                    _relocated.Add((relocated, new SpoolLocation(_segmentNumber, start + total)));
                }

                int payloadStart = recordStart + SpoolFormat.HeaderLength;
                uint crc = Crc32C.Append(~0u, _records.SpanAt(payloadStart, fixedEnd - payloadStart));
                long payloadLength = fixedEnd - payloadStart;
                _gather.Add(_records.Written(recordStart, fixedEnd - recordStart));
                if (message is not null && message.Body.FilePath is null)
                {
                    for (int c = 0; c < message.Body.ChunkCount; c++)
                    {
                        ReadOnlyMemory<byte> chunk = message.Body.GetChunk(c);
                        crc = Crc32C.Append(crc, chunk.Span);
                        _gather.Add(chunk);
                    }

                    payloadLength += message.Body.Length;
                }

                Span<byte> header = _records.SpanAt(recordStart, SpoolFormat.HeaderLength);
                BinaryPrimitives.WriteUInt32LittleEndian(header, SpoolFormat.Magic);
                BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)payloadLength);
                BinaryPrimitives.WriteUInt32LittleEndian(header[8..], ~crc);
                total += SpoolFormat.HeaderLength + payloadLength;
            }

            long writeStarted = System.Diagnostics.Stopwatch.GetTimestamp();
            RandomAccess.Write(_segment, _gather, start);
            RandomAccess.FlushToDisk(_segment);
            FastSmtp.Metrics.SmtpMetrics.FsyncDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(writeStarted).TotalSeconds);
            FastSmtp.Metrics.SmtpMetrics.FsyncBatchSize.Record(_layout.Count);
            _segmentLength = start + total;
            lock (_retireLock)
            {
                HashSet<QueueEntry> current = _liveMessagesBySegment[_segmentNumber];
                foreach (QueueEntry entry in _committedEntries)
                {
                    current.Add(entry);
                    _liveMessages[entry.QueueId.Value] = entry;
                }

                // Applied here, on the commit thread, so a relocation written later in the log
                // always copies the states already written before it.
                foreach (StateBatch states in _stateBatch)
                {
                    for (int i = 0; i < states.Changes.Count; i++)
                    {
                        RecipientStateChange change = states.Changes[i];
                        _liveMessages.GetValueOrDefault(change.QueueId.Value)?.Apply(change);
                    }
                }

                foreach ((QueueEntry entry, SpoolLocation location) in _relocated)
                {
                    if (_liveMessagesBySegment.TryGetValue(entry.Segment, out HashSet<QueueEntry>? old) && old.Remove(entry))
                    {
                        current.Add(entry);
                    }

                    entry.Location = location;
                }

                DeleteSpentSegments();
            }

            foreach (QueueEntry entry in _committedEntries)
            {
                Committed?.Invoke(entry);
            }

            CommittedMessages += _batch.Count;
            CommittedBatches++;
            if (_segmentLength >= _segmentRolloverLength)
            {
                RollOver();
            }

            IsOutOfSpace = false;
            return CommitResult.Committed;
        }
        catch (IOException exception)
        {
            LogCommitFailed(_logger, exception, _batch.Count + _stateBatch.Count, _directory);
            TryTruncate(start);
            IsOutOfSpace = IsDiskFull(exception);
            return IsOutOfSpace ? CommitResult.InsufficientStorage : CommitResult.StorageError;
        }
        catch (UnauthorizedAccessException exception)
        {
            LogCommitFailed(_logger, exception, _batch.Count + _stateBatch.Count, _directory);
            TryTruncate(start);
            return CommitResult.StorageError;
        }
    }

    /// <summary>
    /// A message has left the queue (every recipient delivered or failed, and that recorded):
    /// its body file goes, and log segments holding nothing live any more are deleted, oldest
    /// first. Only a prefix of the log is ever deleted, since a segment may hold state records of
    /// messages in older ones.
    /// </summary>
    public void Retire(QueueEntry entry)
    {
        if (entry.BodyInFile)
        {
            File.Delete(SpoolFormat.DataPath(_directory, entry.QueueId));
        }

        lock (_retireLock)
        {
            _liveMessages.Remove(entry.QueueId.Value);
            if (_liveMessagesBySegment.TryGetValue(entry.Segment, out HashSet<QueueEntry>? live))
            {
                live.Remove(entry);
            }

            DeleteSpentSegments();
        }
    }

    /// <summary>A queued message with its body, read from its record through a handle kept per segment.</summary>
    public SpooledMessage ReadMessage(QueueEntry entry)
    {
        SpoolLocation location = entry.Location;
        return SpoolReader.ReadMessageAt(ReaderOf(location.Segment), _directory, location.Segment, location.Offset);
    }

    /// <summary>The envelope, and the body in a pooled buffer (see <see cref="SpoolReader.ReadMessageRented"/>).</summary>
    public SpooledMessage ReadMessageRented(QueueEntry entry, out byte[]? rented, out ReadOnlyMemory<byte> body)
    {
        SpoolLocation location = entry.Location;
        return SpoolReader.ReadMessageRented(ReaderOf(location.Segment), _directory, location.Segment, location.Offset, out rented, out body);
    }

    /// <summary>
    /// Compaction: while more than <paramref name="maxSegments"/> segments are on disk, the
    /// unfinished messages of the oldest are copied, with their recipients' current states, to
    /// the head of the log, and the segment is deleted. A message deferred for days would
    /// otherwise keep every segment written after it. Returns how many messages were moved.
    /// </summary>
    public async Task<int> CompactAsync(int maxSegments)
    {
        List<QueueEntry> move;
        lock (_retireLock)
        {
            if (_liveMessagesBySegment.Count <= maxSegments)
            {
                return 0;
            }

            long oldest = _liveMessagesBySegment.Keys[0];
            HashSet<QueueEntry> live = _liveMessagesBySegment.Values[0];
            if (oldest >= _segmentNumber || live.Count == 0)
            {
                return 0;
            }

            move = [.. live];
        }

        if (_stopping)
        {
            return 0;
        }

        var batch = new StateBatch([], move);
        _incomingStates.Enqueue(batch);
        _signal.Set();
        return await batch.Completion.Task == CommitResult.Committed ? move.Count : 0;
    }

    /// <summary>Log segments still on disk (the current one included).</summary>
    public int SegmentCount
    {
        get
        {
            lock (_retireLock)
            {
                return _liveMessagesBySegment.Count;
            }
        }
    }

    private void DeleteSpentSegments()
    {
        while (_liveMessagesBySegment.Count > 0)
        {
            long segment = _liveMessagesBySegment.Keys[0];
            HashSet<QueueEntry> live = _liveMessagesBySegment.Values[0];
            if (segment >= Volatile.Read(ref _segmentNumber) || live.Count > 0)
            {
                return;
            }

            if (_readers.Remove(segment, out SafeFileHandle? reader))
            {
                reader.Dispose();
            }

            File.Delete(SpoolFormat.SegmentPath(_directory, segment));
            _liveMessagesBySegment.Remove(segment);
            LogSegmentDeleted(_logger, segment);
        }
    }

    /// <summary>The last batch failed for lack of space (ENOSPC); the next one that commits clears it.</summary>
    public bool IsOutOfSpace { get; private set; }

    /// <summary>Messages still queued and the age of the oldest, for the queue gauges.</summary>
    public (int Messages, double OldestAgeSeconds) QueueSnapshot()
    {
        lock (_retireLock)
        {
            DateTimeOffset oldest = DateTimeOffset.MaxValue;
            foreach (QueueEntry entry in _liveMessages.Values)
            {
                if (entry.ReceivedAt < oldest)
                {
                    oldest = entry.ReceivedAt;
                }
            }

            return (_liveMessages.Count, _liveMessages.Count == 0 ? 0 : Math.Max(0, (DateTimeOffset.UtcNow - oldest).TotalSeconds));
        }
    }

    private SafeFileHandle ReaderOf(long segment)
    {
        lock (_retireLock)
        {
            if (!_readers.TryGetValue(segment, out SafeFileHandle? reader))
            {
                reader = File.OpenHandle(SpoolFormat.SegmentPath(_directory, segment), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                _readers[segment] = reader;
            }

            return reader;
        }
    }

    /// <summary>A message's record copied as it is, then one state record per recipient that has left Pending.</summary>
    private void WriteRelocation(QueueEntry entry)
    {
        lock (_retireLock)
        {
            if (!_liveMessages.ContainsKey(entry.QueueId.Value))
            {
                return;
            }
        }

        SpoolLocation location = entry.Location;
        byte[]? payload;
        try
        {
            payload = SpoolReader.ReadPayloadAt(ReaderOf(location.Segment), location.Offset);
        }
        catch (IOException)
        {
            payload = null;
        }

        if (payload is null)
        {
            // Never fail the batch (other sessions' messages ride in it): the message stays where it is.
            LogRelocationFailed(_logger, entry.QueueId, location.Segment);
            return;
        }

        int recordStart = _records.Reserve(SpoolFormat.HeaderLength);
        _records.WriteBytes(payload);
        _layout.Add((recordStart, _records.Length, null, entry));
        for (int i = 0; i < entry.Recipients.Length; i++)
        {
            RecipientProgress recipient = entry.Recipients[i];
            if (recipient.State != RecipientState.Pending)
            {
                int stateStart = _records.Reserve(SpoolFormat.HeaderLength);
                _records.WriteStateChange(new RecipientStateChange(entry.QueueId, i, recipient.State, recipient.Attempts, recipient.NextAttempt, recipient.LastResponse));
                _layout.Add((stateStart, _records.Length, null, null));
            }
        }
    }

    /// <summary>
    /// Replays the log; counts live messages per segment; deletes body files no live message
    /// owns (a crash between spilling a body and committing its record leaves one behind).
    /// </summary>
    private List<QueueEntry> Recover()
    {
        foreach (long segment in SpoolFormat.ListSegments(_directory))
        {
            _liveMessagesBySegment[segment] = [];
        }

        List<QueueEntry> live = SpoolReader.Replay(_directory).Where(entry => !entry.IsDone).ToList();
        var owned = new HashSet<string>(StringComparer.Ordinal);
        foreach (QueueEntry entry in live)
        {
            _liveMessagesBySegment[entry.Segment].Add(entry);
            _liveMessages[entry.QueueId.Value] = entry;
            if (entry.BodyInFile)
            {
                owned.Add(entry.QueueId.ToString());
            }
        }

        foreach (string file in IODirectory.EnumerateFiles(DataDirectory))
        {
            if (!owned.Contains(Path.GetFileName(file)))
            {
                File.Delete(file);
                LogOrphanDeleted(_logger, file);
            }
        }

        DeleteSpentSegments();
        return live;
    }

    private static QueueEntry NewEntry(PendingMessage message, long segment, long offset)
    {
        var recipients = new RecipientProgress[message.Recipients.Count];
        for (int i = 0; i < recipients.Length; i++)
        {
            recipients[i] = new RecipientProgress(message.Recipients[i].Address, RecipientState.Pending, 0, message.ReceivedAt, null);
        }

        return new QueueEntry(message.QueueId, message.ReceivedAt, segment, offset, message.Body.FilePath is not null, recipients);
    }

    private SafeFileHandle OpenLastSegment()
    {
        List<long> segments = SpoolFormat.ListSegments(_directory);
        if (segments.Count == 0)
        {
            return CreateSegment(1);
        }

        _segmentNumber = segments[^1];
        string path = SpoolFormat.SegmentPath(_directory, _segmentNumber);
        long valid = SpoolReader.ScanSegment(path, onRecord: null);
        SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        long length = RandomAccess.GetLength(handle);
        if (valid < length)
        {
            // A crash tore the last batch: it was never acknowledged, so it is dropped.
            LogTornTail(_logger, path, length - valid);
            RandomAccess.SetLength(handle, valid);
            RandomAccess.FlushToDisk(handle);
        }

        _segmentLength = valid;
        return handle;
    }

    private SafeFileHandle CreateSegment(long number)
    {
        _segmentNumber = number;
        _segmentLength = 0;
        SafeFileHandle handle = File.OpenHandle(SpoolFormat.SegmentPath(_directory, number), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read);
        lock (_retireLock)
        {
            _liveMessagesBySegment[number] = [];
        }

        DirectorySync.Flush(SpoolFormat.QueueDirectory(_directory));
        return handle;
    }

    private void RollOver()
    {
        SafeFileHandle next = CreateSegment(_segmentNumber + 1);
        _segment.Dispose();
        _segment = next;
    }

    private void TryTruncate(long length)
    {
        try
        {
            RandomAccess.SetLength(_segment, length);
        }
        catch (IOException)
        {
            // The CRC check at start-up still cuts off whatever part of the batch reached the disk.
        }
    }

    /// <summary>ENOSPC and quota errors: the client is told 452 (RFC 5321 4.5.3.1.10), not 451.</summary>
    public static bool IsDiskFull(IOException exception) =>
        (exception.HResult & 0xFFFF) is 28 /* ENOSPC */ or 122 /* EDQUOT */ or 112 /* ERROR_DISK_FULL */;

    [LoggerMessage(Level = LogLevel.Error, Message = "Spool commit of {Count} messages and state batches to {Spool} failed")]
    private static partial void LogCommitFailed(ILogger logger, Exception exception, int count, string spool);

    [LoggerMessage(Level = LogLevel.Information, Message = "Spool segment {Segment} holds nothing undelivered any more; deleted")]
    private static partial void LogSegmentDeleted(ILogger logger, long segment);

    [LoggerMessage(Level = LogLevel.Error, Message = "Compaction could not read {QueueId} in segment {Segment}; it stays there")]
    private static partial void LogRelocationFailed(ILogger logger, QueueId queueId, long segment);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Spool body file {Path} belongs to no queued message (left by a crash before its commit); deleted")]
    private static partial void LogOrphanDeleted(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Spool segment {Path} had a torn tail of {Bytes} bytes from an unfinished write; cut off")]
    private static partial void LogTornTail(ILogger logger, string path, long bytes);
}
