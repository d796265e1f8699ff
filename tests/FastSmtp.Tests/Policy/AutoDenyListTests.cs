using System.Net;
using FastSmtp.Policy;
using FastSmtp.Session;

namespace FastSmtp.Tests.Policy;

public class AutoDenyListTests
{
    [Fact]
    public void A_denied_address_stays_denied_and_others_are_not()
    {
        var list = new AutoDenyList();

        Assert.True(list.Deny(IPAddress.Parse("192.0.2.1")));
        Assert.False(list.Deny(IPAddress.Parse("192.0.2.1")));
        Assert.True(list.IsDenied(IPAddress.Parse("192.0.2.1")));
        Assert.False(list.IsDenied(IPAddress.Parse("192.0.2.2")));
    }

    [Fact]
    public void Auth_failures_grow_the_delay_per_address_and_the_table_is_bounded()
    {
        var throttle = new AuthFailureThrottle();
        IPAddress guesser = IPAddress.Parse("192.0.2.9");

        TimeSpan first = throttle.Fail(guesser);
        TimeSpan second = throttle.Fail(guesser);
        Assert.True(second > first);
        Assert.Equal(TimeSpan.Zero + first, throttle.Fail(IPAddress.Parse("192.0.2.10")));

        for (int i = 0; i < AuthFailureThrottle.MaxTrackedAddresses + 10; i++)
        {
            throttle.Fail(new IPAddress(BitConverter.GetBytes(i)));
        }

        Assert.True(throttle.Failures(guesser) <= 2);
    }
}
