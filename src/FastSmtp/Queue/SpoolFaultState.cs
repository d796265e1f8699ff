using FastSmtp.Metrics;
using Microsoft.Extensions.Logging;

namespace FastSmtp.Queue;

/// <summary>
/// Whether the spool can commit, and when it tries again after a fault: the back-off starts at
/// 0.1 s and doubles up to 10 s, and a timer wakes the commit thread when it is over, so a fault
/// can end with no message arriving. Used by the commit thread, except <see cref="Current"/>.
/// </summary>
internal sealed partial class SpoolFaultState(TimeProvider time, ILogger logger, Action wake) : IDisposable
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromSeconds(10);

    private volatile SpoolFault? _current;
    private TimeSpan _delay;
    private DateTimeOffset _retryAt;
    private ITimer? _timer;

    /// <summary>Why the spool cannot commit now; null while it can.</summary>
    public SpoolFault? Current => _current;

    /// <summary>In a fault whose back-off is not over: answer at once, without touching the disk.</summary>
    public bool BackingOff => _current is not null && time.GetUtcNow() < _retryAt;

    public void Enter(Exception exception, string step)
    {
        bool first = _current is null;
        _current = SpoolFault.Of(exception);
        _delay = first ? FirstRetry : TimeSpan.FromTicks(Math.Min(_delay.Ticks * 2, LongestRetry.Ticks));
        if (first)
        {
            SmtpMetrics.SpoolFaults.Add(1);
        }

        LogFault(logger, step, _current.Summary, _delay.TotalSeconds);
        RetryLater();
    }

    /// <summary>Not over yet (a full disk with too little free): the same wait again.</summary>
    public void RetryLater()
    {
        _retryAt = time.GetUtcNow() + _delay;
        _timer?.Dispose();
        _timer = time.CreateTimer(static state => ((Action)state!)(), wake, _delay, Timeout.InfiniteTimeSpan);
    }

    public void Clear(string spool)
    {
        _current = null;
        _timer?.Dispose();
        _timer = null;
        LogResumed(logger, spool);
    }

    public void Dispose() => _timer?.Dispose();

    [LoggerMessage(Level = LogLevel.Error, Message = "Spool cannot commit ({Step}): {Fault}; messages are refused with 4xx, trying again in {Seconds} s")]
    private static partial void LogFault(ILogger logger, string step, string fault, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Spool {Spool} commits again")]
    private static partial void LogResumed(ILogger logger, string spool);
}
