using System.Collections.Concurrent;
using System.Net;

namespace FastSmtp.Session;

/// <summary>
/// Failed AUTH attempts per client IP (SPEC.md section 6): each failure is answered after a
/// delay that grows with the address's count, so guessing passwords gets slower and slower.
/// </summary>
public sealed class AuthFailureThrottle
{
    private static readonly TimeSpan s_step = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan s_maximum = TimeSpan.FromSeconds(10);
    /// <summary>Addresses remembered at most: past this the counts start again, so a client rotating addresses cannot grow memory.</summary>
    public const int MaxTrackedAddresses = 100_000;

    private readonly ConcurrentDictionary<IPAddress, int> _failures = new();

    public int Failures(IPAddress client) => _failures.TryGetValue(client, out int count) ? count : 0;

    /// <summary>Counts a failure and returns how long to wait before answering it.</summary>
    public TimeSpan Fail(IPAddress client)
    {
        if (_failures.Count >= MaxTrackedAddresses)
        {
            _failures.Clear();
        }

        int count = _failures.AddOrUpdate(client, 1, static (_, n) => n + 1);
        TimeSpan delay = s_step * count;
        return delay < s_maximum ? delay : s_maximum;
    }
}
