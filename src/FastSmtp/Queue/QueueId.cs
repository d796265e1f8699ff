using System.Buffers.Text;
using System.Globalization;

namespace FastSmtp.Queue;

/// <summary>
/// A message's id in the queue: milliseconds since the epoch in the high bits and a counter in the
/// low 16, so ids sort by arrival and stay unique across restarts. Written as 16 hex digits.
/// </summary>
public readonly record struct QueueId(ulong Value)
{
    public const int FormattedLength = 16;

    private static ulong s_last;

    public static QueueId Next()
    {
        ulong now = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() << 16;
        while (true)
        {
            ulong last = Volatile.Read(ref s_last);
            ulong next = Math.Max(now, last + 1);
            if (Interlocked.CompareExchange(ref s_last, next, last) == last)
            {
                return new QueueId(next);
            }
        }
    }

    /// <summary>Writes the id as ASCII into <paramref name="destination"/> without allocating.</summary>
    public int Format(Span<byte> destination)
    {
        Utf8Formatter.TryFormat(Value, destination, out int written, new System.Buffers.StandardFormat('X', FormattedLength));
        return written;
    }

    public override string ToString() => Value.ToString("X16", CultureInfo.InvariantCulture);
}
