using System.Text;
using FastSmtp.Policy;

namespace FastSmtp.Tests.Policy;

/// <summary>transport.txt compiled by the generator and looked up as delivery looks it up.</summary>
public class TransportTests
{
    private static readonly SecurityPolicy Policy = TestPolicy.With(("transport.txt", """
        # domain          next hop
        partner.example   mail.partner.example:587
        .partner.example  mx
        v6.example        [2001:DB8::25]:2525
        v4.example        192.0.2.10:25
        office.example    local
        bücher.example    MX
        """)).Current;

    [Theory]
    [InlineData("partner.example", "mail.partner.example:587", 2)]
    [InlineData("PARTNER.Example", "mail.partner.example:587", 2)]
    [InlineData("eu.partner.example", "mx", 3)]
    [InlineData("a.b.partner.example", "mx", 3)]
    [InlineData("v6.example", "[2001:db8::25]:2525", 4)]
    [InlineData("v4.example", "192.0.2.10:25", 5)]
    [InlineData("office.example", "local", 6)]
    [InlineData("xn--bcher-kva.example", "mx", 7)]
    public void A_domain_is_routed_by_its_own_line_or_its_nearest_parent_s(string domain, string nextHop, int line)
    {
        TransportRoute? route = Policy.Transport(Encoding.ASCII.GetBytes(domain));

        Assert.NotNull(route);
        Assert.Equal(nextHop, route.NextHop);
        Assert.Equal(line, route.Line);
        Assert.Equal($"transport.txt:{line}", route.Rule);
    }

    [Theory]
    [InlineData("other.example")]
    [InlineData("xpartner.example")]
    [InlineData("example")]
    [InlineData("sub.office.example")]
    [InlineData("[192.0.2.10]")]
    public void Other_domains_take_the_default_route(string domain) =>
        Assert.Null(Policy.Transport(Encoding.ASCII.GetBytes(domain)));

    [Fact]
    public void Without_transport_txt_every_domain_takes_the_default_route()
    {
        Assert.Null(TestPolicy.Instance.Transport("partner.example"u8));
        Assert.Equal(0, TestPolicy.Instance.Identity.Transport);
        Assert.Equal(6, Policy.Identity.Transport);
    }

    [Fact]
    public void A_route_is_made_once_per_policy_not_per_lookup() =>
        Assert.Same(Policy.Transport("partner.example"u8), Policy.Transport("PARTNER.EXAMPLE"u8));
}
