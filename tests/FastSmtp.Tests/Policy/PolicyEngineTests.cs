using System.Net;
using System.Text;
using FastSmtp.Policy;

namespace FastSmtp.Tests.Policy;

/// <summary>The engine over the repository's default policy (compiled into the server).</summary>
public class PolicyEngineTests
{
    private static readonly IPAddress s_outsider = IPAddress.Parse("198.51.100.9");

    [Fact]
    public void Decisions_on_ascii_addresses_allocate_nothing()
    {
        byte[] sender = "\"someone\"@Example.ORG"u8.ToArray();
        byte[] local = "postmaster@LOCALHOST"u8.ToArray();
        byte[] remote = "u@remote.example"u8.ToArray();
        byte[] hostile = Encoding.ASCII.GetBytes(new string('x', 64) + "@" + string.Join('.', Enumerable.Repeat(new string('y', 63), 4)));
        int accepted = 0;

        long allocated = Allocations.LeastPerRound(() =>
        {
            for (int i = 0; i < 1000; i++)
            {
                accepted += Run();
            }
        });

        Assert.Equal(0, allocated);
        Assert.Equal(4000 * (1 + Allocations.Rounds), accepted);

        int Run() =>
            (TestPolicy.Instance.CheckClient(s_outsider).Accepted ? 1 : 0)
            + (TestPolicy.Instance.CheckSender(sender).Accepted ? 1 : 0)
            + (TestPolicy.Instance.CheckRecipient(s_outsider, sender, local, authenticated: false).Accepted ? 1 : 0)
            + (TestPolicy.Instance.CheckRecipient(IPAddress.Loopback, sender, remote, authenticated: false).Accepted ? 1 : 0)
            + (TestPolicy.Instance.CheckRecipient(s_outsider, hostile, hostile, authenticated: false).Accepted ? 0 : 0);
    }

    [Fact]
    public void The_default_policy_relays_for_this_machine_only()
    {
        byte[] remote = "u@remote.example"u8.ToArray();

        Assert.True(TestPolicy.Instance.CheckRecipient(IPAddress.Loopback, default, remote, false).Accepted);
        Assert.True(TestPolicy.Instance.CheckRecipient(IPAddress.IPv6Loopback, default, remote, false).Accepted);
        Assert.True(TestPolicy.Instance.CheckRecipient(IPAddress.Parse("::ffff:127.0.0.1"), default, remote, false).Accepted);
        PolicyDecision outsider = TestPolicy.Instance.CheckRecipient(s_outsider, default, remote, false);
        Assert.Equal(PolicyOutcome.RelayDenied, outsider.Outcome);
        Assert.Equal(PolicyFile.SmtpConf, outsider.File);
        Assert.True(TestPolicy.Instance.CheckRecipient(s_outsider, default, remote, authenticated: true).Accepted);
    }

    [Theory]
    [InlineData("fred@Widget.COM", "fred@widget.com")]
    [InlineData("\"fred\"@widget.com", "fred@widget.com")]
    [InlineData("\"fr\\ed\"@widget.com", "fred@widget.com")]
    [InlineData("\"odd@name\"@widget.com", "odd@name@widget.com")]
    [InlineData("postmaster", "postmaster")]
    public void Addresses_are_normalised_before_any_rule_sees_them(string address, string expected)
    {
        Span<byte> buffer = stackalloc byte[AddressNormalizer.MaxLength];
        int length = AddressNormalizer.Normalize(Encoding.UTF8.GetBytes(address), buffer);

        Assert.Equal(expected, Encoding.UTF8.GetString(buffer[..length]));
    }

    [Fact]
    public void Explain_names_the_rule_that_decided()
    {
        PolicyEvaluation refused = TestPolicy.Instance.Evaluate(s_outsider, "a@x.example", "u@remote.example", null);
        PolicyEvaluation relayed = TestPolicy.Instance.Evaluate(IPAddress.Loopback, "a@x.example", "u@remote.example", null);

        Assert.Equal("550 5.7.1 unknown local host remote.example, not a gateway", refused.Reply);
        Assert.StartsWith("smtp.conf:", refused.Explanation);
        Assert.Equal("accept", relayed.Reply);
        Assert.StartsWith("relay.txt:", relayed.Explanation);
    }
}
