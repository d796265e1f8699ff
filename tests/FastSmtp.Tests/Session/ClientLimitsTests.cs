using System.Net;
using System.Threading.RateLimiting;
using FastSmtp.Session;

namespace FastSmtp.Tests.Session;

public class ClientLimitsTests
{
    // 192.0.2.0/24 (TEST-NET-1) is only a key here: nothing is sent anywhere.
    private static readonly IPAddress Outsider = IPAddress.Parse("192.0.2.7");
    private static readonly IPAddress OtherOutsider = IPAddress.Parse("192.0.2.8");

    [Fact]
    public void Sessions_are_counted_per_address_and_a_closed_one_frees_its_place()
    {
        using var limits = new ClientLimits(new SessionOptions { MaxSessionsPerClient = 2, MaxConnectionsPerMinute = 0 });

        Assert.True(limits.TryOpenSession(TestPolicy.Instance, Outsider, out RateLimitLease? first));
        Assert.True(limits.TryOpenSession(TestPolicy.Instance, Outsider, out RateLimitLease? second));
        Assert.False(limits.TryOpenSession(TestPolicy.Instance, Outsider, out RateLimitLease? refused));
        Assert.Null(refused);
        Assert.True(limits.TryOpenSession(TestPolicy.Instance, OtherOutsider, out RateLimitLease? other));

        first!.Dispose();
        Assert.True(limits.TryOpenSession(TestPolicy.Instance, Outsider, out RateLimitLease? again));
        foreach (RateLimitLease? lease in new[] { second, other, again })
        {
            lease!.Dispose();
        }
    }

    [Fact]
    public void Relay_clients_are_never_limited()
    {
        // The default policy's relay.txt holds 127.0.0.0/8.
        using var limits = new ClientLimits(new SessionOptions { MaxSessionsPerClient = 1, MaxConnectionsPerMinute = 1 });

        for (int i = 0; i < 5; i++)
        {
            Assert.True(limits.TryOpenSession(TestPolicy.Instance, IPAddress.Loopback, out RateLimitLease? lease));
            Assert.Null(lease);
        }

        Assert.True(limits.IsExempt(TestPolicy.Instance, IPAddress.Parse("127.0.0.9")));
        Assert.False(limits.IsExempt(TestPolicy.Instance, Outsider));
    }

    [Fact]
    public void Relay_clients_are_limited_when_the_operator_says_so()
    {
        using var limits = new ClientLimits(new SessionOptions { MaxSessionsPerClient = 1, MaxConnectionsPerMinute = 0, LimitRelayClients = true });

        Assert.False(limits.IsExempt(TestPolicy.Instance, IPAddress.Loopback));
        Assert.True(limits.TryOpenSession(TestPolicy.Instance, IPAddress.Loopback, out RateLimitLease? first));
        Assert.False(limits.TryOpenSession(TestPolicy.Instance, IPAddress.Loopback, out _));
        first!.Dispose();
    }

    [Fact]
    public void Connections_per_minute_refuse_once_spent_even_when_each_was_closed()
    {
        using var limits = new ClientLimits(new SessionOptions { MaxSessionsPerClient = 0, MaxConnectionsPerMinute = 3 });

        for (int i = 0; i < 3; i++)
        {
            Assert.True(limits.TryOpenSession(TestPolicy.Instance, Outsider, out RateLimitLease? lease));
            lease?.Dispose();
        }

        Assert.False(limits.TryOpenSession(TestPolicy.Instance, Outsider, out _));
        Assert.True(limits.TryOpenSession(TestPolicy.Instance, OtherOutsider, out _));
    }

    [Fact]
    public void Messages_and_recipients_are_counted_per_user_once_authenticated_not_per_address()
    {
        using var limits = new ClientLimits(new SessionOptions { MaxMessagesPerMinute = 2, MaxRecipientsPerMinute = 1 });
        var ann = new ClientKey(null, "ann@example.test");
        var bob = new ClientKey(null, "bob@example.test");
        var address = new ClientKey(Outsider, null);

        Assert.True(limits.TryStartMessage(ann));
        Assert.True(limits.TryStartMessage(ann));
        Assert.False(limits.TryStartMessage(ann));
        Assert.True(limits.TryStartMessage(bob));
        Assert.True(limits.TryStartMessage(address));

        Assert.True(limits.TryAddRecipient(address));
        Assert.False(limits.TryAddRecipient(new ClientKey(IPAddress.Parse("192.0.2.7"), null)));
        Assert.True(limits.TryAddRecipient(ann));
    }

    [Fact]
    public void A_limit_of_zero_is_off()
    {
        using var limits = new ClientLimits(new SessionOptions { MaxSessionsPerClient = 0, MaxConnectionsPerMinute = 0, MaxMessagesPerMinute = 0, MaxRecipientsPerMinute = 0 });

        for (int i = 0; i < 1000; i++)
        {
            Assert.True(limits.TryOpenSession(TestPolicy.Instance, Outsider, out _));
            Assert.True(limits.TryStartMessage(new ClientKey(Outsider, null)));
            Assert.True(limits.TryAddRecipient(new ClientKey(Outsider, null)));
        }
    }
}
