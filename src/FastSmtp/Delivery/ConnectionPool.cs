using System.Collections.Concurrent;

namespace FastSmtp.Delivery;

/// <summary>
/// Idle connections to next hops, kept a short while so the next message for the same host
/// skips the connect, greeting, EHLO and TLS handshake (as Postfix's connection cache, whose
/// default time limit is 2 s). A connection is only put back when its last transaction left it
/// clean; one that went stale meanwhile shows up as a lost connection and is retried fresh.
/// </summary>
public sealed class ConnectionPool : IAsyncDisposable
{
    private readonly ConcurrentDictionary<NextHopKey, ConcurrentStack<(SmtpDeliveryClient Client, long Since)>> _idle = new();
    private readonly TimeSpan _idleLimit;
    private readonly int _maxIdlePerEndpoint;
    private readonly Timer _sweeper;

    public ConnectionPool(TimeSpan idleLimit, int maxIdlePerEndpoint)
    {
        _idleLimit = idleLimit;
        _maxIdlePerEndpoint = maxIdlePerEndpoint;
        _sweeper = new Timer(static state => _ = ((ConnectionPool)state!).SweepAsync(), this, idleLimit, idleLimit);
    }

    public SmtpDeliveryClient? TakeIdle(NextHopKey endpoint)
    {
        if (_idle.TryGetValue(endpoint, out var stack))
        {
            while (stack.TryPop(out var idle))
            {
                if (Environment.TickCount64 - idle.Since < _idleLimit.TotalMilliseconds)
                {
                    return idle.Client;
                }

                _ = idle.Client.DisposeAsync().AsTask();
            }
        }

        return null;
    }

    public async ValueTask ReturnAsync(NextHopKey endpoint, SmtpDeliveryClient client)
    {
        var stack = _idle.GetOrAdd(endpoint, _ => new ConcurrentStack<(SmtpDeliveryClient, long)>());
        if (client.IsReusable && stack.Count < _maxIdlePerEndpoint)
        {
            stack.Push((client, Environment.TickCount64));
            return;
        }

        await client.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _sweeper.DisposeAsync();
        foreach (var stack in _idle.Values)
        {
            while (stack.TryPop(out var idle))
            {
                await idle.Client.DisposeAsync();
            }
        }
    }

    private async Task SweepAsync()
    {
        foreach (var stack in _idle.Values)
        {
            var keep = new List<(SmtpDeliveryClient, long)>();
            while (stack.TryPop(out var idle))
            {
                if (Environment.TickCount64 - idle.Since < _idleLimit.TotalMilliseconds)
                {
                    keep.Add(idle);
                }
                else
                {
                    await idle.Client.DisposeAsync();
                }
            }

            foreach (var idle in keep)
            {
                stack.Push(idle);
            }
        }
    }
}
