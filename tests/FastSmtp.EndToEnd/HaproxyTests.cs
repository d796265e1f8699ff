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

        // Through each instance's own frontend (v1 to the first, v2 to the second): an outsider is
        // refused the relay, and the instance logs it under the outsider's address.
        await RefusedAsync(haproxy.DirectPorts[0], "127.0.0.41");
        await RefusedAsync(haproxy.DirectPorts[1], "127.0.0.42");
        await first.WaitForOutputAsync("Session from 127.0.0.41 ended");
        await second.WaitForOutputAsync("Session from 127.0.0.42 ended");
        Assert.DoesNotContain("127.0.0.42", first.Output);
        Assert.DoesNotContain("127.0.0.41", second.Output);

        // A client at the address relay.txt lists is relayed by either.
        foreach (int port in haproxy.DirectPorts)
        {
            await using RawSmtpClient client = await RawSmtpClient.ConnectAsync(port, "127.0.0.1");
            Assert.StartsWith("220 ", await client.ReadReplyAsync());
            Assert.StartsWith("250", await client.CommandAsync("EHLO insider.example"));
            Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<a@insider.example>"));
            Assert.Equal("250 2.1.5 Ok\r\n", await client.CommandAsync("RCPT TO:<u@remote.example>"));
            Assert.StartsWith("221", await client.CommandAsync("QUIT"));
        }

        // Through the balanced frontend, wherever each lands: every outsider is refused.
        string[] outsiders = ["127.0.0.31", "127.0.0.32", "127.0.0.33", "127.0.0.34"];
        foreach (string outsider in outsiders)
        {
            await RefusedAsync(haproxy.Port, outsider);
        }

        foreach (string outsider in outsiders)
        {
            DateTime deadline = DateTime.UtcNow.AddSeconds(15);
            while (!(first.Output + second.Output).Contains($"Session from {outsider} ended", StringComparison.Ordinal))
            {
                Assert.True(DateTime.UtcNow < deadline, $"no session from {outsider} logged:\n{first.Output}\n{second.Output}");
                await Task.Delay(20);
            }
        }

        Assert.DoesNotContain("PROXY header", first.Output + second.Output);
    }

    private static async Task RefusedAsync(int port, string outsider)
    {
        await using RawSmtpClient client = await RawSmtpClient.ConnectAsync(port, outsider);
        Assert.StartsWith("220 ", await client.ReadReplyAsync());
        Assert.StartsWith("250", await client.CommandAsync("EHLO outsider.example"));
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<a@outsider.example>"));
        Assert.Equal("550 5.7.1 unknown local host remote.example, not a gateway\r\n", await client.CommandAsync("RCPT TO:<u@remote.example>"));
        Assert.StartsWith("221", await client.CommandAsync("QUIT"));
    }
}
