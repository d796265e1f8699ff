using FastSmtp.EndToEnd.Peers;

namespace FastSmtp.EndToEnd;

/// <summary>
/// Scale-out: a real HAProxy in front of two FastSmtp instances (policies/strict: relay for
/// 127.0.0.1 only), one told the client by PROXY version 1, the other by version 2. Clients reach
/// HAProxy from their own loopback addresses; each instance must decide on the client's address,
/// not HAProxy's (127.0.0.1, which relay.txt would let through).
/// </summary>
public class HaproxyTests
{
    [SkippableFact]
    public async Task Both_instances_behind_haproxy_decide_on_the_clients_address()
    {
        string[] arguments = ["--proxy-protocol-from", "127.0.0.1"];
        await using ServerProcess first = await ServerProcess.StartWithPolicyAsync("strict", arguments);
        await using ServerProcess second = await ServerProcess.StartWithPolicyAsync("strict", arguments);
        await using Haproxy haproxy = await Haproxy.StartAsync((first.Port, 1), (second.Port, 2));

        // Round-robin: two outsiders, one on each instance, both refused the relay.
        string[] outsiders = ["127.0.0.31", "127.0.0.32"];
        foreach (string outsider in outsiders)
        {
            await using RawSmtpClient client = await RawSmtpClient.ConnectAsync(haproxy.Port, outsider);
            Assert.StartsWith("220 ", await client.ReadReplyAsync());
            Assert.StartsWith("250", await client.CommandAsync("EHLO outsider.example"));
            Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<a@outsider.example>"));
            Assert.Equal("550 5.7.1 unknown local host remote.example, not a gateway\r\n", await client.CommandAsync("RCPT TO:<u@remote.example>"));
            Assert.StartsWith("221", await client.CommandAsync("QUIT"));
        }

        // Two clients at the address relay.txt lists, again one on each instance: relayed.
        for (int i = 0; i < 2; i++)
        {
            await using RawSmtpClient client = await RawSmtpClient.ConnectAsync(haproxy.Port, "127.0.0.1");
            Assert.StartsWith("220 ", await client.ReadReplyAsync());
            Assert.StartsWith("250", await client.CommandAsync("EHLO insider.example"));
            Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<a@insider.example>"));
            Assert.Equal("250 2.1.5 Ok\r\n", await client.CommandAsync("RCPT TO:<u@remote.example>"));
            Assert.StartsWith("221", await client.CommandAsync("QUIT"));
        }

        // Each instance saw one outsider under its own address: the v1 and the v2 path both
        // work. (Which one went where depends on HAProxy's round-robin position, which the
        // start-up probe may have moved.)
        foreach (string outsider in outsiders)
        {
            DateTime deadline = DateTime.UtcNow.AddSeconds(15);
            while (!(first.Output + second.Output).Contains($"Session from {outsider} ended", StringComparison.Ordinal))
            {
                Assert.True(DateTime.UtcNow < deadline, $"no session from {outsider} logged:\n{first.Output}\n{second.Output}");
                await Task.Delay(20);
            }
        }

        foreach (ServerProcess server in new[] { first, second })
        {
            Assert.Single(outsiders, outsider => server.Output.Contains($"Session from {outsider} ended", StringComparison.Ordinal));
            Assert.DoesNotContain("PROXY header", server.Output);
        }
    }
}
