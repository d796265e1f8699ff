namespace FastSmtp.Session;

/// <summary>
/// The minimum data rate inside DATA and BDAT, against slow-loris clients that send just enough
/// to keep each read alive: after a grace period the octets received must keep up with the
/// rate. Timed from the first read of the message data; reset when the data ends.
/// </summary>
internal sealed class DataRateMeter(TimeProvider time, int minimumRate, TimeSpan grace, TimeSpan dataTimeout)
{
    private long _startedAt;
    private bool _running;
    private long _octets;

    /// <summary>
    /// How long the next read may wait: the data timeout, but no longer than the moment the
    /// octets so far fall below the minimum rate (then <paramref name="rateBound"/>).
    /// </summary>
    public TimeSpan ReadTimeout(out bool rateBound)
    {
        rateBound = false;
        if (minimumRate <= 0)
        {
            return dataTimeout;
        }

        if (!_running)
        {
            _running = true;
            _startedAt = time.GetTimestamp();
            _octets = 0;
        }

        TimeSpan untilTooSlow = Deadline() - time.GetElapsedTime(_startedAt);
        rateBound = untilTooSlow < dataTimeout;
        return rateBound ? (untilTooSlow > TimeSpan.Zero ? untilTooSlow : TimeSpan.FromMilliseconds(1)) : dataTimeout;
    }

    /// <summary>Counts data octets; true when the client has fallen below the minimum rate.</summary>
    public bool IsTooSlow(long octets)
    {
        if (minimumRate <= 0 || !_running)
        {
            return false;
        }

        _octets += octets;
        return time.GetElapsedTime(_startedAt) > Deadline();
    }

    /// <summary>The data has ended: the next DATA or BDAT is timed afresh.</summary>
    public void Reset() => _running = false;

    /// <summary>The time since the data began by which the octets received so far must have arrived.</summary>
    private TimeSpan Deadline() => grace + TimeSpan.FromSeconds((double)_octets / minimumRate);
}
