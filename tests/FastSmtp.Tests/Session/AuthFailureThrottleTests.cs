using System.Net;
using FastSmtp.Session;
using Microsoft.Extensions.Time.Testing;

namespace FastSmtp.Tests.Session;

public class AuthFailureThrottleTests
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(500);

    [Fact]
    public void An_address_waits_half_a_second_per_failure_up_to_ten_seconds()
    {
        var throttle = new AuthFailureThrottle();
        IPAddress guesser = IPAddress.Parse("192.0.2.9");

        Assert.Equal(TimeSpan.Zero, throttle.DelayBefore(guesser));
        throttle.Fail(guesser);
        Assert.Equal(Step, throttle.DelayBefore(guesser));
        throttle.Fail(guesser);
        Assert.Equal(2 * Step, throttle.DelayBefore(guesser));
        for (int i = 0; i < 30; i++)
        {
            throttle.Fail(guesser);
        }

        Assert.Equal(TimeSpan.FromSeconds(10), throttle.DelayBefore(guesser));
        Assert.Equal(32, throttle.Failures(guesser));
    }

    [Theory]
    [InlineData("198.51.100.{0}", "198.51.100.250", "198.51.101.1")]
    [InlineData("2001:db8:1:2::{0:x}", "2001:db8:1:2:ffff::1", "2001:db8:1:3::1")]
    [InlineData("::ffff:203.0.113.{0}", "203.0.113.200", "203.0.112.1")]
    public void A_network_rotating_addresses_is_throttled_as_one_and_its_neighbours_are_not(string rotating, string sameNetwork, string otherNetwork)
    {
        var throttle = new AuthFailureThrottle();
        int failures = 4 * AuthFailureThrottle.FailuresPerNetworkStep;
        for (int i = 1; i <= failures; i++)
        {
            throttle.Fail(IPAddress.Parse(string.Format(System.Globalization.CultureInfo.InvariantCulture, rotating, i)));
        }

        // A fresh address of that network has no failures of its own and still waits.
        Assert.Equal(0, throttle.Failures(IPAddress.Parse(sameNetwork)));
        Assert.Equal(failures, throttle.NetworkFailures(IPAddress.Parse(sameNetwork)));
        Assert.Equal(4 * Step, throttle.DelayBefore(IPAddress.Parse(sameNetwork)));
        Assert.Equal(TimeSpan.Zero, throttle.DelayBefore(IPAddress.Parse(otherNetwork)));
    }

    [Fact]
    public void A_count_is_forgotten_a_while_after_its_last_failure()
    {
        var time = new FakeTimeProvider();
        var throttle = new AuthFailureThrottle(time);
        IPAddress guesser = IPAddress.Parse("192.0.2.9");
        throttle.Fail(guesser);
        throttle.Fail(guesser);

        time.Advance(AuthFailureThrottle.Memory - TimeSpan.FromSeconds(1));
        Assert.Equal(2, throttle.Failures(guesser));
        throttle.Fail(guesser);
        time.Advance(AuthFailureThrottle.Memory - TimeSpan.FromSeconds(1));
        Assert.Equal(3, throttle.Failures(guesser));

        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(0, throttle.Failures(guesser));
        Assert.Equal(TimeSpan.Zero, throttle.DelayBefore(guesser));
        throttle.Fail(guesser);
        Assert.Equal(1, throttle.Failures(guesser));
    }

    [Fact]
    public void The_tables_are_bounded()
    {
        var throttle = new AuthFailureThrottle();
        IPAddress guesser = IPAddress.Parse("192.0.2.9");
        throttle.Fail(guesser);
        throttle.Fail(guesser);

        for (int i = 0; i < AuthFailureThrottle.MaxTrackedAddresses + 10; i++)
        {
            throttle.Fail(new IPAddress(BitConverter.GetBytes(i)));
        }

        Assert.True(throttle.Failures(guesser) <= 2);
    }
}
