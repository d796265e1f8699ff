using System.Net;
using System.Threading.RateLimiting;
using FastSmtp.Policy;

namespace FastSmtp.Session;

/// <summary>
/// Per-client limits, as Postfix's anvil keeps them: sessions open at once and connections per
/// minute per IP address; messages and recipients per minute per IP, or per user once
/// authenticated (many users may share one address). Built on System.Threading.RateLimiting's
/// partitioned limiters (sliding one-minute windows of six segments, so a burst at a window's edge
/// cannot double the rate; idle partitions are dropped by the limiter itself). relay.txt clients
/// are never limited (as Postfix exempts mynetworks). A limit of 0 is off.
/// </summary>
internal sealed class ClientLimits : IDisposable
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly PartitionedRateLimiter<IPAddress>? _sessions;
    private readonly PartitionedRateLimiter<IPAddress>? _connections;
    private readonly PartitionedRateLimiter<ClientKey>? _messages;
    private readonly PartitionedRateLimiter<ClientKey>? _recipients;
    private readonly bool _limitRelayClients;

    public ClientLimits(SessionOptions options)
    {
        _limitRelayClients = options.LimitRelayClients;
        if (options.MaxSessionsPerClient > 0)
        {
            var sessions = new ConcurrencyLimiterOptions { PermitLimit = options.MaxSessionsPerClient, QueueLimit = 0 };
            _sessions = PartitionedRateLimiter.Create<IPAddress, IPAddress>(address => RateLimitPartition.GetConcurrencyLimiter(address, _ => sessions));
        }

        _connections = PerMinute<IPAddress>(options.MaxConnectionsPerMinute);
        _messages = PerMinute<ClientKey>(options.MaxMessagesPerMinute);
        _recipients = PerMinute<ClientKey>(options.MaxRecipientsPerMinute);
    }

    /// <summary>relay.txt clients are trusted senders: no limit applies to them, unless --limit-relay-clients.</summary>
    public bool IsExempt(SecurityPolicy policy, IPAddress client) => !_limitRelayClients && policy.RelayLine(client) != 0;

    /// <summary>
    /// A new connection from <paramref name="client"/>: false when it opens too many at once or too
    /// often. Otherwise <paramref name="session"/> holds its place until disposed.
    /// </summary>
    public bool TryOpenSession(SecurityPolicy policy, IPAddress client, out RateLimitLease? session)
    {
        session = null;
        if (IsExempt(policy, client))
        {
            return true;
        }

        if (_connections is not null && !_connections.AttemptAcquire(client).IsAcquired)
        {
            return false;
        }

        if (_sessions is not null)
        {
            session = _sessions.AttemptAcquire(client);
            if (!session.IsAcquired)
            {
                session.Dispose();
                session = null;
                return false;
            }
        }

        return true;
    }

    /// <summary>One more message (a MAIL command) from this client or user; false past the rate.</summary>
    public bool TryStartMessage(ClientKey client) => _messages is null || _messages.AttemptAcquire(client).IsAcquired;

    /// <summary>One more recipient (a RCPT command) from this client or user; false past the rate.</summary>
    public bool TryAddRecipient(ClientKey client) => _recipients is null || _recipients.AttemptAcquire(client).IsAcquired;

    public void Dispose()
    {
        _sessions?.Dispose();
        _connections?.Dispose();
        _messages?.Dispose();
        _recipients?.Dispose();
    }

    private static PartitionedRateLimiter<TKey>? PerMinute<TKey>(int limit)
        where TKey : notnull
    {
        if (limit <= 0)
        {
            return null;
        }

        var window = new SlidingWindowRateLimiterOptions { PermitLimit = limit, Window = Window, SegmentsPerWindow = 6, QueueLimit = 0 };
        return PartitionedRateLimiter.Create<TKey, TKey>(key => RateLimitPartition.GetSlidingWindowLimiter(key, _ => window));
    }
}
