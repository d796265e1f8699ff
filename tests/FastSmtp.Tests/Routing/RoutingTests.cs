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

    [Fact]
    public async Task A_transport_host_has_its_own_queue_and_the_relay_s_tls_level_but_only_the_smarthost_gets_the_credentials()
    {
        var credentials = new SmtpCredentials("relayuser", "s3cret");
        var router = new MailRouter(new DnsResolver(new IPEndPoint(IPAddress.Loopback, 9)), "192.0.2.1:587", 25, new OutboundSecurity(OutboundTls.Verify, Credentials: credentials));

        Assert.Equal("[smarthost]", router.DestinationOf("a.example"));
        Assert.Equal("[192.0.2.7:2525]", router.DestinationOf("b.example", "192.0.2.7:2525"));
        Assert.Equal("c.example", router.DestinationOf("C.Example", MailRouter.TransportMx));

        Assert.True(router.GoesToRelay(null));
        Assert.True(router.GoesToRelay("192.0.2.7:2525"));
        Assert.False(router.GoesToRelay(MailRouter.TransportMx));
        Assert.False(new MailRouter(new DnsResolver(new IPEndPoint(IPAddress.Loopback, 9)), null, 25).GoesToRelay(null));

        Route smarthost = await router.RouteAsync("a.example", CancellationToken.None);
        Assert.Equal([new IPEndPoint(IPAddress.Parse("192.0.2.1"), 587)], smarthost.Endpoints);
        Assert.Equal(new OutboundSecurity(OutboundTls.Verify, "192.0.2.1", credentials), smarthost.Security);

        Route transport = await router.RouteAsync("b.example", "192.0.2.7:2525", CancellationToken.None);
        Assert.Equal([new IPEndPoint(IPAddress.Parse("192.0.2.7"), 2525)], transport.Endpoints);
        Assert.Equal(new OutboundSecurity(OutboundTls.Verify, "192.0.2.7"), transport.Security);

        // "mx" goes past the smarthost, with opportunistic TLS; an address literal needs no DNS.
        Route mx = await router.RouteAsync("[192.0.2.9]", MailRouter.TransportMx, CancellationToken.None);
        Assert.Equal([new IPEndPoint(IPAddress.Parse("192.0.2.9"), 25)], mx.Endpoints);
        Assert.Same(OutboundSecurity.Opportunistic, mx.Security);
    }

    [Theory]
    [InlineData("relayuser:s3cret\n", "relayuser", "s3cret")]
    [InlineData("relayuser:pass:with:colons\r\nignored", "relayuser", "pass:with:colons")]
    [InlineData(":nouser", null, null)]
    [InlineData("nopassword:", null, null)]
    [InlineData("no colon", null, null)]
    public void A_credentials_file_is_one_line_and_its_text_form_hides_the_password(string text, string? user, string? password)
    {
        SmtpCredentials? credentials = SmtpCredentials.Parse(text);

        Assert.Equal(user, credentials?.User);
        Assert.Equal(password, credentials?.Password);
        if (credentials is not null)
        {
            Assert.DoesNotContain(password!, credentials.ToString());
            Assert.DoesNotContain(password!, new OutboundSecurity(OutboundTls.Encrypt, "h", credentials).ToString());
        }
    }
}
