using Microsoft.Win32.SafeHandles;

namespace FastSmtp.Queue;

/// <summary>
/// The head of the spool's log: the segment batches are appended to, at its committed length
/// and nowhere else. <see cref="Append"/> is the commit point: when it returns, the batch is
/// written and fsync'd; when it throws, the log is as it was before the call, except that bytes
/// may lie past the committed length until <see cref="Repair"/> cuts them off (the next append
/// does that first). The next segment is created, and its name made durable, before it is
/// needed; rolling over is then only a switch of handles, which cannot fail. When the next
/// segment cannot be created (no inode, no descriptor), the head simply grows past the rollover
/// length and creating it is tried again later: nothing waits on it.
/// </summary>
internal sealed class SegmentLog : IDisposable
{
    private readonly ISpoolFileSystem _files;
    private readonly string _spool;
    private readonly long _rolloverLength;
    private SafeFileHandle _head;
    private SafeFileHandle? _next;
    private bool _tailInDoubt;

    private SegmentLog(ISpoolFileSystem files, string spool, long rolloverLength, SafeFileHandle head, long headNumber, long length)
    {
        _files = files;
        _spool = spool;
        _rolloverLength = rolloverLength;
        _head = head;
        HeadNumber = headNumber;
        Length = length;
    }

    /// <summary>The segment appended to.</summary>
    public long HeadNumber { get; private set; }

    /// <summary>The head's committed length: where the next batch goes.</summary>
    public long Length { get; private set; }

    /// <summary>The next segment exists, empty, with a durable name.</summary>
    public bool NextPrepared => _next is not null;

    /// <summary>
    /// Opens the last segment (creating segment 1 in an empty spool) as the head, cutting off
    /// a torn tail past <paramref name="validLength"/>: a batch whose write a crash interrupted
    /// was never acknowledged.
    /// </summary>
    public static SegmentLog Open(ISpoolFileSystem files, string spool, long rolloverLength, long headNumber, long validLength, Action<long>? tornTail)
    {
        string path = SpoolFormat.SegmentPath(spool, headNumber);
        SafeFileHandle head = files.Open(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            long length = files.GetLength(head);
            if (length > validLength)
            {
                files.SetLength(head, validLength);
                files.Flush(head);
                tornTail?.Invoke(length - validLength);
            }
            else if (length == 0)
            {
                // A segment this call may just have created: its name must be durable before a record in it is.
                files.FlushDirectory(SpoolFormat.QueueDirectory(spool));
            }

            return new SegmentLog(files, spool, rolloverLength, head, headNumber, validLength);
        }
        catch
        {
            head.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes the batch at <see cref="Length"/> with one gathered write and fsyncs it. Throws
    /// when either fails; the batch then counts as never written.
    /// </summary>
    public void Append(IReadOnlyList<ReadOnlyMemory<byte>> batch, long batchLength)
    {
        if (_tailInDoubt)
        {
            Repair();
        }

        // From here until the fsync returns, bytes past Length may or may not reach the disk.
        _tailInDoubt = true;
        _files.Write(_head, batch, Length);
        _files.Flush(_head);
        Length += batchLength;
        _tailInDoubt = false;
    }

    /// <summary>
    /// Cuts off what a failed append may have left past the committed length, durably, so a
    /// batch its clients were told failed is never found at the next start.
    /// </summary>
    public void Repair()
    {
        if (!_tailInDoubt)
        {
            return;
        }

        _files.SetLength(_head, Length);
        _files.Flush(_head);
        _tailInDoubt = false;
    }

    /// <summary>Past the rollover length, the prepared next segment becomes the head. Returns whether it did.</summary>
    public bool RollOverIfFull()
    {
        if (Length < _rolloverLength || _next is null)
        {
            return false;
        }

        _head.Dispose();
        _head = _next;
        _next = null;
        HeadNumber++;
        Length = 0;
        return true;
    }

    /// <summary>
    /// Creates the next segment once the head is half full, so that rolling over never waits
    /// on (or fails at) creating a file. Returns the number of the segment it created, or 0.
    /// Throws when creating it fails; the caller tries again later.
    /// </summary>
    public long PrepareNext()
    {
        if (_next is not null || Length < _rolloverLength / 2)
        {
            return 0;
        }

        long number = HeadNumber + 1;
        SafeFileHandle next = _files.Open(SpoolFormat.SegmentPath(_spool, number), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            // An earlier try may have created the file and failed to sync its name: it is empty,
            // since nothing is written to a segment before it becomes the head.
            _files.FlushDirectory(SpoolFormat.QueueDirectory(_spool));
        }
        catch
        {
            next.Dispose();
            throw;
        }

        _next = next;
        return number;
    }

    public void Dispose()
    {
        _head.Dispose();
        _next?.Dispose();
    }
}
