using FastSmtp.EndToEnd.Peers;

namespace FastSmtp.EndToEnd;

/// <summary>
/// The policy rules that need DNS, against records served by dnsmasq:
/// dnsbl (554 naming the zone; relay.txt clients exempt with skip-antispam-for-relay-addresses)
/// and the `addresses` mode's backup-server rule (a domain whose mail host is in relay.txt).
/// </summary>
public class DnsPolicyTests
{
    [SkippableFact]
    public async Task Dnsbl_and_the_backup_server_rule_answer_from_real_dns()
    {
        await using Dnsmasq dns = await Dnsmasq.StartAsync(
            "--host-record=1.0.0.127.bl2.test,127.0.0.2",
            "--host-record=5.0.0.127.bl.test,127.0.0.2",
            "--mx-host=backup.test,mx.backup.test,10", "--host-record=mx.backup.test,127.0.0.5",
            "--mx-host=other.test,mx.other.test,10", "--host-record=mx.other.test,127.0.0.99");
        await using ServerProcess server = await ServerProcess.StartWithPolicyAsync("dnsbl", "--dns", dns.Endpoint);

        // Listed by the second zone; loopback is not exempt. A relay refused by policy is refused
        // as such: the block list is asked only about recipients the policy would accept.
        Assert.Equal(
            ["554 5.7.1 client 127.0.0.1 listed by bl2.test", "554 5.7.1 client 127.0.0.1 listed by bl2.test", "550 5.7.1 unknown local host anywhere.example, not a gateway"],
            await RcptRepliesAsync(server.Port, "127.0.0.1", "fred@dnsbl.test", "postmaster@dnsbl.test", "u@anywhere.example"));

        // Listed, but in relay.txt with skip-antispam-for-relay-addresses = yes.
        Assert.Equal(
            ["250 2.1.5 Ok", "250 2.1.5 Ok"],
            await RcptRepliesAsync(server.Port, "127.0.0.5", "fred@dnsbl.test", "u@anywhere.example"));

        // Not listed, not a relay client: the backup-server rule relays for backup.test only.
        Assert.Equal(
            ["250 2.1.5 Ok", "250 2.1.5 Ok", "550 5.7.1 unknown local host other.test, not a gateway", "550 5.7.1 unknown local host nowhere.test, not a gateway"],
            await RcptRepliesAsync(server.Port, "127.0.0.9", "fred@dnsbl.test", "u@backup.test", "u@other.test", "u@nowhere.test"));

        // policy explain --dns asks the same rules through the same policy code, with the rule behind each answer.
        string serverDll = await FastSmtp.Testing.PolicyServerBuild.ServerWithPolicyAsync(
            Path.Combine(FastSmtp.Testing.PolicyServerBuild.RepositoryRoot, "tests", "FastSmtp.EndToEnd", "policies", "dnsbl"));
        string listed = await ExplainAsync(serverDll, "127.0.0.1", "fred@dnsbl.test", "--dns", dns.Endpoint);
        Assert.StartsWith("554 5.7.1 client 127.0.0.1 listed by bl2.test\nrule: smtp.conf:", listed);
        Assert.Contains("a dnsbl zone lists the client (bl2.test)", listed);
        string backup = await ExplainAsync(serverDll, "127.0.0.9", "u@backup.test", "--dns", dns.Endpoint);
        Assert.StartsWith("accept\nrule: relay.txt:", backup);
        Assert.Contains("the recipient's host is an address in relay.txt", backup);
        Assert.StartsWith("550 5.7.1 unknown local host backup.test, not a gateway\n", await ExplainAsync(serverDll, "127.0.0.9", "u@backup.test"));
    }

    private static async Task<string> ExplainAsync(string serverDll, string client, string recipient, params string[] options)
    {
        (int exit, string output) = await FastSmtp.Testing.PolicyServerBuild.RunDotnetAsync(
            Path.GetDirectoryName(serverDll)!, [serverDll, "policy", "explain", client, "a@x.example", recipient, .. options]);
        Assert.True(exit == 0, output);
        return output;
    }

    private static async Task<string[]> RcptRepliesAsync(int port, string from, params string[] recipients)
    {
        await using RawSmtpClient client = await RawSmtpClient.ConnectAsync(port, from);
        await client.ReadReplyAsync();
        await client.CommandAsync("EHLO c.example");

        // Pipelined: the replies come back in order even while DNS answers are awaited.
        await client.SendAsync("MAIL FROM:<a@x.example>\r\n" + string.Concat(recipients.Select(r => $"RCPT TO:<{r}>\r\n")));
        List<string> replies = await client.ReadRepliesAsync(1 + recipients.Length);
        Assert.StartsWith("250", replies[0]);
        return replies.Skip(1).Select(r => r.Trim()).ToArray();
    }
}
