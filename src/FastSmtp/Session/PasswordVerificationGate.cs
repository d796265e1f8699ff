using System.Threading.RateLimiting;

namespace FastSmtp.Session;

/// <summary>
/// Bounds password verification, the one piece of work an outsider can make the server do at
/// will (each costs a deliberately slow key derivation): at most <see cref="Concurrency"/> run
/// at once, later ones wait in a queue of <see cref="QueueLength"/> for at most
/// <see cref="QueueTimeout"/>. An attempt that finds the queue full or waits too long is told
/// to come back later, so a flood of AUTH takes one core at most and never the other clients'.
/// </summary>
public sealed class PasswordVerificationGate
{
    private readonly ConcurrencyLimiter _limiter;
    private readonly TimeProvider _time;

    /// <param name="concurrency">Verifications at once; by default half the cores (at least one).</param>
    public PasswordVerificationGate(TimeProvider? time = null, int concurrency = 0, int queueLength = 0, TimeSpan queueTimeout = default)
    {
        _time = time ?? TimeProvider.System;
        Concurrency = concurrency > 0 ? concurrency : Math.Max(1, Environment.ProcessorCount / 2);
        QueueLength = queueLength > 0 ? queueLength : 16 * Concurrency;
        QueueTimeout = queueTimeout > TimeSpan.Zero ? queueTimeout : TimeSpan.FromSeconds(10);
        _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = Concurrency,
            QueueLimit = QueueLength,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    public int Concurrency { get; }

    public int QueueLength { get; }

    public TimeSpan QueueTimeout { get; }

    /// <summary>A turn to verify (dispose it when done), or null when there is none to be had in time.</summary>
    public async ValueTask<IDisposable?> EnterAsync(CancellationToken stopping)
    {
        using var timeout = new CancellationTokenSource(QueueTimeout, _time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, stopping);
        RateLimitLease lease;
        try
        {
            lease = await _limiter.AcquireAsync(1, either.Token);
        }
        catch (OperationCanceledException)
        {
            return null;
        }

        if (lease.IsAcquired)
        {
            return lease;
        }

        lease.Dispose();
        return null;
    }
}
