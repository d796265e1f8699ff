namespace FastSmtp.Queue;

/// <summary>
/// What the spool holds that is still unfinished: every live message by id, and by the segment
/// its record lies in, so the spool knows which segments may go. Bookkeeping only, no I/O, and
/// not thread-safe: the spool calls it under its lock.
/// </summary>
internal sealed class SpoolIndex
{
    /// <summary>Every segment on disk, oldest first, with the unfinished messages whose record it holds.</summary>
    // A sorted list, not a sorted dictionary: segments are only added at the end and deleted from
    // the front, and the oldest is looked at on every retirement (a tree's enumerator allocates).
    private readonly SortedList<long, HashSet<QueueEntry>> _bySegment = [];

    /// <summary>The unfinished messages by id: state changes are applied to them as they are committed.</summary>
    private readonly Dictionary<ulong, QueueEntry> _byId = [];

    private int _count;

    public int SegmentCount => _bySegment.Count;

    /// <summary>The unfinished messages; read without the lock (a count a moment old is good enough for backpressure).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>A segment file that exists on disk, whether or not it holds anything yet.</summary>
    public void AddSegment(long segment) => _bySegment.TryAdd(segment, []);

    public void Add(QueueEntry entry)
    {
        SegmentOf(entry.Segment).Add(entry);
        _byId[entry.QueueId.Value] = entry;
        Volatile.Write(ref _count, _byId.Count);
    }

    /// <summary>The unfinished messages <paramref name="which"/> selects, oldest first.</summary>
    public List<QueueEntry> Select(Func<QueueEntry, bool> which) => [.. _byId.Values.Where(which).OrderBy(entry => entry.ReceivedAt)];

    public bool Contains(QueueId queueId) => _byId.ContainsKey(queueId.Value);

    /// <summary>A committed state change; for a message already retired it changes nothing.</summary>
    public void Apply(RecipientStateChange change) => _byId.GetValueOrDefault(change.QueueId.Value)?.Apply(change);

    /// <summary>A live message whose record compaction copied to <paramref name="location"/>.</summary>
    public void Move(QueueEntry entry, SpoolLocation location)
    {
        if (_bySegment.TryGetValue(entry.Segment, out HashSet<QueueEntry>? old) && old.Remove(entry))
        {
            SegmentOf(location.Segment).Add(entry);
        }

        entry.Location = location;
    }

    public void Remove(QueueEntry entry)
    {
        _byId.Remove(entry.QueueId.Value);
        Volatile.Write(ref _count, _byId.Count);
        if (_bySegment.TryGetValue(entry.Segment, out HashSet<QueueEntry>? live))
        {
            live.Remove(entry);
        }
    }

    /// <summary>
    /// The oldest segment, when it is older than the head and holds nothing live: it may be
    /// deleted. Only a prefix of the log ever goes, since a segment may hold state records of
    /// messages in older ones.
    /// </summary>
    public bool TryGetSpentSegment(long head, out long segment)
    {
        segment = 0;
        if (_bySegment.Count == 0 || _bySegment.Keys[0] >= head || _bySegment.Values[0].Count > 0)
        {
            return false;
        }

        segment = _bySegment.Keys[0];
        return true;
    }

    public void RemoveSegment(long segment) => _bySegment.Remove(segment);

    /// <summary>The live messages of the oldest segment when more than <paramref name="maxSegments"/> are on disk.</summary>
    public List<QueueEntry>? OldestToCompact(int maxSegments, long head)
    {
        if (_bySegment.Count <= maxSegments || _bySegment.Keys[0] >= head || _bySegment.Values[0].Count == 0)
        {
            return null;
        }

        return [.. _bySegment.Values[0]];
    }

    /// <summary>Messages still queued and the age of the oldest.</summary>
    public (int Messages, double OldestAgeSeconds) Snapshot(DateTimeOffset now)
    {
        DateTimeOffset oldest = DateTimeOffset.MaxValue;
        foreach (QueueEntry entry in _byId.Values)
        {
            if (entry.ReceivedAt < oldest)
            {
                oldest = entry.ReceivedAt;
            }
        }

        return (_byId.Count, _byId.Count == 0 ? 0 : Math.Max(0, (now - oldest).TotalSeconds));
    }

    private HashSet<QueueEntry> SegmentOf(long segment)
    {
        if (!_bySegment.TryGetValue(segment, out HashSet<QueueEntry>? live))
        {
            _bySegment[segment] = live = [];
        }

        return live;
    }
}
