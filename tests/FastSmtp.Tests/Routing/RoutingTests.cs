using System.Net;
using FastSmtp.Routing;

namespace FastSmtp.Tests.Routing;

public class RoutingTests
{
    [Theory]
    [InlineData("mail.example.com:2525", "mail.example.com", 2525)]
    [InlineData("mail.example.com", "mail.example.com", 25)]
    [InlineData("[mail.example.com]:587", "mail.example.com", 587)]
    [InlineData("127.0.0.1:2600", "127.0.0.1", 2600)]
    [InlineData("[::1]:2600", "::1", 2600)]
    [InlineData("192.0.2.7", "192.0.2.7", 25)]
    public void Smarthost_names_split_into_host_and_port(string value, string host, int port) =>
        Assert.Equal((host, port), MailRouter.SplitHostPort(value));

    [Theory]
    [InlineData("127.0.0.2", "2.0.0.127")]
    [InlineData("192.0.2.99", "99.2.0.192")]
    [InlineData("2001:db8::1", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2")]
    public void Block_list_names_reverse_the_address(string address, string reversed) =>
        Assert.Equal(reversed, DnsResolver.ReversedName(IPAddress.Parse(address)));

    [Fact]
    public void Every_remote_domain_shares_the_smarthost_queue_but_has_its_own_without_one()
    {
        var dns = new DnsResolver(new IPEndPoint(IPAddress.Loopback, 9));
        Assert.Equal(new MailRouter(dns, "relay.example:25", 25).DestinationOf("a.example"), new MailRouter(dns, "relay.example:25", 25).DestinationOf("b.example"));
        Assert.Equal("a.example", new MailRouter(dns, null, 25).DestinationOf("A.Example"));
    }

    [Fact]
    public async Task An_address_literal_is_routed_without_dns()
    {
        var router = new MailRouter(new DnsResolver(new IPEndPoint(IPAddress.Loopback, 9)), null, 2525);
        Route route = await router.RouteAsync("[192.0.2.1]", CancellationToken.None);
        Assert.Equal([new IPEndPoint(IPAddress.Parse("192.0.2.1"), 2525)], route.Endpoints);
        route = await router.RouteAsync("[IPv6:2001:db8::5]", CancellationToken.None);
        Assert.Equal([new IPEndPoint(IPAddress.Parse("2001:db8::5"), 2525)], route.Endpoints);
    }
}
