using System.Net;
using FastSmtp.Policy;

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
}
