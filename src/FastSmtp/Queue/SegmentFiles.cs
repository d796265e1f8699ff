using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace FastSmtp.Queue;

/// <summary>
/// The log's segments as files, apart from the head the log appends to: a read handle per
/// segment the delivery side reads messages from, kept open until the segment goes, and the
/// deletion of spent segments, oldest first. Not thread-safe: the spool calls it under its lock.
/// </summary>
internal sealed partial class SegmentFiles(ISpoolFileSystem files, string spool, ILogger logger) : IDisposable
{
    private readonly Dictionary<long, SafeFileHandle> _readers = [];

    public SafeFileHandle ReaderOf(long segment)
    {
        if (!_readers.TryGetValue(segment, out SafeFileHandle? reader))
        {
            reader = SpoolReader.OpenForReading(files, SpoolFormat.SegmentPath(spool, segment));
            _readers[segment] = reader;
        }

        return reader;
    }

    /// <summary>
    /// Deletes the segments the index finds spent, oldest first; stops at the first that cannot
    /// go, which is tried again at the next retirement or commit.
    /// </summary>
    public void DeleteSpent(SpoolIndex index, long head)
    {
        while (index.TryGetSpentSegment(head, out long segment))
        {
            if (_readers.Remove(segment, out SafeFileHandle? reader))
            {
                reader.Dispose();
            }

            try
            {
                files.Delete(SpoolFormat.SegmentPath(spool, segment));

                // A deletion a crash undid would bring back messages whose states lie in a later
                // segment that is gone too: each is made durable before the next.
                files.FlushDirectory(SpoolFormat.QueueDirectory(spool));
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                LogSegmentNotDeleted(logger, segment, exception.Message);
                return;
            }

            index.RemoveSegment(segment);
            LogSegmentDeleted(logger, segment);
        }
    }

    public void Dispose()
    {
        foreach (SafeFileHandle reader in _readers.Values)
        {
            reader.Dispose();
        }

        _readers.Clear();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Spool segment {Segment} holds nothing undelivered any more; deleted")]
    private static partial void LogSegmentDeleted(ILogger logger, long segment);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Spool segment {Segment} holds nothing undelivered, but deleting it failed ({Reason}); tried again later")]
    private static partial void LogSegmentNotDeleted(ILogger logger, long segment, string reason);
}
