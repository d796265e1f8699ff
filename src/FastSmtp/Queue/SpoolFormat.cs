namespace FastSmtp.Queue;

/// <summary>
/// The spool's on-disk layout.
/// <code>
/// spool/queue/NNNNNNNN.log   append-only segments of records
/// spool/data/QUEUEID         bodies over MessageBody.InlineLimit, fsync'd before their record
/// record  = magic u32 'FSQ1' | payload length u32 | CRC-32C of payload u32 | payload
/// payload = type u8 (1 = message) | envelope | body storage u8 (0 inline, 1 file) | body length u64 | inline body
///         | type u8 (2 = recipient state) | queue id u64 | recipient index u32 | state u8 | attempts u32
///           | next attempt (unix ms) u64 | last response (string)
/// </code>
/// A message's recipients all start Pending; state records that follow it in the log change
/// them, and the last one read for a recipient is its state.
/// Why a shared log rather than a file per message: a batch of messages from many sessions is
/// made durable by one write and one fsync (group commit), where a file per message costs an
/// fsync of the file and of its folder for every message. Measured (SpoolCommitBenchmarks, 2 KB
/// messages, bench/README.md): 491 us against 632 us per message with one session, 21 us
/// against 1,359 us with 64. A record is valid only with its magic,
/// length and CRC, so a write torn by a crash is detected and cut off at start-up.
/// Space comes back by segment: a segment is deleted once it and every older one hold no
/// unfinished message (a segment may hold state records of older messages, so only a prefix
/// of the log ever goes), and when more than four segments are on disk the unfinished messages
/// of the oldest are copied forward with their current states (compaction), so one message
/// deferred for days does not keep the log written after it. On replay the first copy of a
/// message wins and the state records after it, the copy's included, bring it up to date.
/// Records are only ever appended at the last segment's committed length; the segment after it
/// is created empty, its name synced, before it is needed, so the last segment may be empty.
/// </summary>
public static class SpoolFormat
{
    public const uint Magic = 'F' | 'S' << 8 | 'Q' << 16 | '1' << 24;
    public const int HeaderLength = 12;
    public const byte MessageRecord = 1;
    public const byte RecipientStateRecord = 2;
    public const byte BodyInline = 0;
    public const byte BodyInFile = 1;

    /// <summary>A payload larger than this is corrupt, not a message (bodies that big live in data/).</summary>
    public const int MaxPayloadLength = 64 * 1024 * 1024;

    /// <summary>A segment is closed and a new one started past this size.</summary>
    public const long SegmentRolloverLength = 64L * 1024 * 1024;

    public static string QueueDirectory(string spool) => Path.Combine(spool, "queue");

    public static string DataDirectory(string spool) => Path.Combine(spool, "data");

    /// <summary>Where a message's body lives when it is not inline.</summary>
    public static string DataPath(string spool, QueueId queueId) => Path.Combine(DataDirectory(spool), queueId.ToString());

    public static string SegmentPath(string spool, long number) =>
        Path.Combine(QueueDirectory(spool), number.ToString("D8", System.Globalization.CultureInfo.InvariantCulture) + ".log");

    /// <summary>Segment numbers present, oldest first.</summary>
    public static List<long> ListSegments(string spool, ISpoolFileSystem files)
    {
        var numbers = new List<long>();
        foreach (string path in files.ListFiles(QueueDirectory(spool), "*.log"))
        {
            if (long.TryParse(Path.GetFileNameWithoutExtension(path), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long number))
            {
                numbers.Add(number);
            }
        }

        numbers.Sort();
        return numbers;
    }
}
