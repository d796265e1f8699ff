using FastSmtp.EndToEnd.Peers;

namespace FastSmtp.EndToEnd;

/// <summary>FastSmtp relaying to a real Postfix smtpd (which offers PIPELINING and CHUNKING), which relays on to smtp-sink.</summary>
public class PostfixNextHopTests
{
    [SkippableFact]
    public async Task Mail_relayed_to_a_real_postfix_arrives_through_it()
    {
        await using SmtpSink sink = await SmtpSink.StartAsync();
        await using PostfixInstance postfix = await PostfixInstance.StartAsync(sink.Port);
        await using ServerProcess server = await ServerProcess.StartAsync("--smarthost", $"127.0.0.1:{postfix.Port}", "--hostname", "fastsmtp.e2e.test");

        string queueId = await DeliveryTests.SendAsync(server.Port, "alice@client.test", ["bob@far.example", "carol@far.example"], "through postfix");

        string dump = Assert.Single(await sink.WaitForMessagesAsync(1, TimeSpan.FromSeconds(60)));
        Assert.Contains("X-Rcpt-Args: <bob@far.example>", dump);
        Assert.Contains("X-Rcpt-Args: <carol@far.example>", dump);
        Assert.Contains("by postfix.e2e.test (Postfix) with ESMTP", dump);
        Assert.Contains($"by fastsmtp.e2e.test (FastSmtp) with ESMTP id {queueId}", dump);
        Assert.Empty(await DeliveryTests.WaitForQueueAsync(server.Spool, queue => queue.Count == 0));

        // "N bytes queued as": Postfix's answer to BDAT LAST, so the body went as a chunk.
        await server.WaitForOutputAsync($"Delivery {queueId} to <carol@far.example> via 127.0.0.1:{postfix.Port}: 250 2.0.0 Ok: ");
        Assert.Matches($@"Delivery {queueId} to <carol@far\.example> via 127\.0\.0\.1:{postfix.Port}: 250 2\.0\.0 Ok: \d+ bytes queued as", server.Output);
    }
}
