using Microsoft.Extensions.Logging;

namespace FastSmtp.Queue;

/// <summary>
/// Start-up: replays the log into the queue it describes, opens its head (cutting off the torn
/// tail of a batch a crash interrupted) and deletes body files no unfinished message owns. A
/// read that fails fails the whole recovery, which is tried again: it never cuts or deletes
/// anything it could not read.
/// </summary>
internal static partial class SpoolRecovery
{
    public sealed record Result(SegmentLog Log, List<long> Segments, List<QueueEntry> Live);

    public static Result Run(ISpoolFileSystem files, string spool, long rolloverLength, ILogger logger)
    {
        files.CreateDirectory(SpoolFormat.QueueDirectory(spool));
        files.CreateDirectory(SpoolFormat.DataDirectory(spool));
        List<long> segments = SpoolFormat.ListSegments(spool, files);
        var replay = new LogReplay();
        long headValidLength = 0;
        foreach (long segment in segments)
        {
            headValidLength = SpoolReader.ScanSegment(files, SpoolFormat.SegmentPath(spool, segment), (payload, offset) => replay.Add(segment, payload, offset));
        }

        if (segments.Count == 0)
        {
            segments.Add(1);
        }

        long head = segments[^1];
        SegmentLog log = SegmentLog.Open(files, spool, rolloverLength, head, headValidLength, bytes => LogTornTail(logger, SpoolFormat.SegmentPath(spool, head), bytes));
        List<QueueEntry> live = replay.Entries.FindAll(entry => !entry.IsDone);
        DeleteOrphanBodies(files, spool, live, logger);
        return new Result(log, segments, live);
    }

    /// <summary>A crash between spilling a body and committing its record leaves a file nothing owns.</summary>
    private static void DeleteOrphanBodies(ISpoolFileSystem files, string spool, List<QueueEntry> live, ILogger logger)
    {
        var owned = new HashSet<string>(StringComparer.Ordinal);
        foreach (QueueEntry entry in live)
        {
            if (entry.BodyInFile)
            {
                owned.Add(entry.QueueId.ToString());
            }
        }

        foreach (string file in files.ListFiles(SpoolFormat.DataDirectory(spool), "*"))
        {
            if (owned.Contains(Path.GetFileName(file)))
            {
                continue;
            }

            try
            {
                files.Delete(file);
                LogOrphanDeleted(logger, file);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                // Harmless where it is; the next start tries again.
                LogOrphanNotDeleted(logger, file, exception.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Spool body file {Path} belongs to no queued message (left by a crash before its commit); deleted")]
    private static partial void LogOrphanDeleted(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Spool body file {Path} belongs to no queued message, and deleting it failed: {Reason}")]
    private static partial void LogOrphanNotDeleted(ILogger logger, string path, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Spool segment {Path} had a torn tail of {Bytes} bytes from an unfinished write; cut off")]
    private static partial void LogTornTail(ILogger logger, string path, long bytes);
}
