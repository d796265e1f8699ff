using FastSmtp.Metrics;
using Microsoft.Extensions.Logging;

namespace FastSmtp.Queue;

/// <summary>The commit thread, in the order a batch meets it: gather, (resume), write, commit point, what follows.</summary>
public sealed partial class Spool
{
    /// <summary>How long recipient state changes alone wait to be committed with messages.</summary>
    private static readonly TimeSpan StateChangeDelay = TimeSpan.FromMilliseconds(5);

    /// <summary>Free space that ends a "spool full" fault when no message comes to try.</summary>
    private const long SpaceToResume = 4L * 1024 * 1024;

    private readonly List<PendingMessage> _batch = [];
    private readonly List<StateBatch> _stateBatch = [];
    private readonly SpoolBatch _records = new();
    private DateTimeOffset _prepareNextAt;

    private bool BatchIsEmpty => _batch.Count == 0 && _stateBatch.Count == 0;

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

            if (BatchIsEmpty && _stopping)
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
                _fault.Enter(exception, "commit");
            }
            finally
            {
                foreach (PendingMessage message in _batch)
                {
                    message.CompleteCommit(result);
                }

                foreach (StateBatch states in _stateBatch)
                {
                    states.Complete(result);
                }

                _batch.Clear();
                _stateBatch.Clear();
            }
        }
    }

    /// <summary>Commits the gathered batch, or says why it cannot.</summary>
    private CommitResult CommitBatch()
    {
        if (_fault.Current is { } fault && !TryResume(fault))
        {
            return _fault.Current!.Result;
        }

        return BatchIsEmpty ? CommitResult.Committed : WriteBatch();
    }

    /// <summary>
    /// Once the back-off is over: recovers or repairs the log. With a batch to write, that write
    /// decides whether the fault is over; without one (the retry timer), the repair does, and for
    /// a full disk, the free space.
    /// </summary>
    private bool TryResume(SpoolFault fault)
    {
        if (_fault.BackingOff)
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

            if (BatchIsEmpty)
            {
                if (fault.Result == CommitResult.InsufficientStorage && _files.AvailableBytes(_directory) < SpaceToResume)
                {
                    _fault.RetryLater();
                    return false;
                }

                _fault.Clear(_directory);
            }

            return true;
        }
        catch (Exception exception)
        {
            _fault.Enter(exception, _log is null ? "recovery" : "repair");
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
            _fault.Enter(exception, "commit");
            TryRepairAtOnce(log);
            return _fault.Current!.Result;
        }

        // The commit point: the batch is durable, and its clients get their 250 whatever follows.
        SmtpMetrics.FsyncDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
        SmtpMetrics.FsyncBatchSize.Record(_records.RecordCount);
        CommittedMessages += _batch.Count;
        CommittedBatches++;
        if (_fault.Current is not null)
        {
            _fault.Clear(_directory);
        }

        try
        {
            AfterCommit(log);
        }
        catch (Exception exception)
        {
            LogUnexpected(_logger, exception);
        }

        return CommitResult.Committed;
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
            if (_batch[i].Body.FilePath is null)
            {
                continue;
            }

            try
            {
                _batch[i].Body.FlushToDisk();
                spilled = true;
            }
            catch (Exception exception)
            {
                RefuseSpilled(i, exception);
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
                    RefuseSpilled(i, exception);
                }
            }
        }
    }

    private void RefuseSpilled(int index, Exception exception)
    {
        PendingMessage message = _batch[index];
        LogBodyNotSynced(_logger, message.QueueId, exception.Message);
        _batch.RemoveAt(index);
        message.CompleteCommit(SpoolFault.ResultOf(exception));
    }

    /// <summary>
    /// A relocation's source record as it is; null (the message stays where it is) when it is
    /// gone or cannot be read: the batch carries other sessions' messages and must not fail.
    /// </summary>
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

        LogRelocationFailed(_logger, entry.QueueId, location.Segment);
        return null;
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
    /// What follows a commit, none of which can undo it: the index learns the batch (state
    /// changes are applied here, on the commit thread, so a compaction copy written later always
    /// carries the states written before it), the delivery side hears of the new messages, the
    /// head rolls over, the next segment is prepared and spent segments go.
    /// </summary>
    private void AfterCommit(SegmentLog log)
    {
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

    /// <summary>Creates the next segment ahead of time; when that fails the head grows on, and it is tried again a second later.</summary>
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

    [LoggerMessage(Level = LogLevel.Error, Message = "Spool commit of {Count} messages and state batches to {Spool} failed")]
    private static partial void LogCommitFailed(ILogger logger, Exception exception, int count, string spool);

    [LoggerMessage(Level = LogLevel.Error, Message = "Spool could not cut off a failed batch ({Reason}); it is cut before anything else is written")]
    private static partial void LogRepairFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Spool commit thread caught an unexpected error; it goes on")]
    private static partial void LogUnexpected(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Spool body of {QueueId} could not be made durable ({Reason}); the message is refused")]
    private static partial void LogBodyNotSynced(ILogger logger, QueueId queueId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Spool segment {Segment} could not be created ({Reason}); the current one grows on until it can")]
    private static partial void LogNextSegmentFailed(ILogger logger, long segment, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Compaction could not read {QueueId} in segment {Segment}; it stays there")]
    private static partial void LogRelocationFailed(ILogger logger, QueueId queueId, long segment);
}
