using FastSmtp.EndToEnd.Peers;

namespace FastSmtp.EndToEnd;

/// <summary>
/// policy/transport.txt routing one message's recipients four ways: to a host and port it names
/// (smtp-sink on its own loopback address), by MX past the smarthost (dnsmasq), into the Maildir,
/// and the rest to the smarthost; and `policy explain` naming the line.
/// </summary>
public class TransportRoutingTests
{
    [SkippableFact]
    public async Task Each_domain_goes_to_the_next_hop_transport_txt_names_and_the_rest_to_the_smarthost()
    {
        await using SmtpSink smarthost = await SmtpSink.StartAsync();
        await using SmtpSink hop = await SmtpSink.StartOnAsync("127.0.0.77", 2525);
        await using SmtpSink mx = await SmtpSink.StartAsync();
        await using Dnsmasq dns = await Dnsmasq.StartAsync("--mx-host=routed.example,mx.routed.example,10", "--host-record=mx.routed.example,127.0.0.1");
        await using ServerProcess server = await ServerProcess.StartWithPolicyAsync(
            "transport", "--smarthost", $"127.0.0.1:{smarthost.Port}", "--dns", dns.Endpoint, "--mx-port", mx.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        string queueId = await DeliveryTests.SendAsync(server.Port, "alice@client.test", ["u@hop.example", "v@routed.example", "ann@eu.office.example", "w@elsewhere.example"], "four ways");

        Assert.Empty(await DeliveryTests.WaitForQueueAsync(server.Spool, queue => queue.Count == 0));
        string toHop = Assert.Single(await hop.WaitForMessagesAsync(1));
        Assert.Contains("X-Rcpt-Args: <u@hop.example>", toHop);
        Assert.DoesNotContain("X-Rcpt-Args: <v@routed.example>", toHop);
        string byMx = Assert.Single(await mx.WaitForMessagesAsync(1));
        Assert.Contains("X-Rcpt-Args: <v@routed.example>", byMx);
        Assert.DoesNotContain("X-Rcpt-Args: <w@elsewhere.example>", byMx);
        string toSmarthost = Assert.Single(await smarthost.WaitForMessagesAsync(1));
        Assert.Contains("X-Rcpt-Args: <w@elsewhere.example>", toSmarthost);
        Assert.DoesNotContain("X-Rcpt-Args: <u@hop.example>", toSmarthost);
        string local = Assert.Single(Directory.GetFiles(Path.Combine(server.Root, "mail", "eu.office.example", "ann", "new")));
        Assert.Contains("Subject: four ways", await File.ReadAllTextAsync(local));
        await server.WaitForOutputAsync($"Delivery {queueId} to <ann@eu.office.example> via maildir: 250");
        await server.WaitForOutputAsync($"Delivery {queueId} to <u@hop.example> via 127.0.0.77:2525: 250");

        string policy = Path.Combine(Path.GetDirectoryName(await FastSmtp.Testing.PolicyServerBuild.ServerWithPolicyAsync(
            Path.Combine(FastSmtp.Testing.PolicyServerBuild.RepositoryRoot, "tests", "FastSmtp.EndToEnd", "policies", "transport")))!, "FastSmtp.Policy.dll");
        (int exit, string explained) = await DeliveryTests.RunCliAsync("policy", "explain", "127.0.0.1", "a@x.example", "u@sub.office.example", "--policy", policy);
        Assert.Equal(0, exit);
        Assert.Contains("route: local (transport.txt:5)", explained);
        (_, explained) = await DeliveryTests.RunCliAsync("policy", "explain", "127.0.0.1", "a@x.example", "u@hop.example", "--policy", policy);
        Assert.Contains("route: 127.0.0.77:2525 (transport.txt:3)", explained);
        (_, explained) = await DeliveryTests.RunCliAsync("policy", "explain", "127.0.0.1", "a@x.example", "fred@transport.test", "--policy", policy);
        Assert.Contains("route: local mailbox (hosts.txt)", explained);
    }
}
