using System.Net;
using System.Text;
using FastSmtp.Delivery;
using FastSmtp.Protocol;
using FastSmtp.Queue;

namespace FastSmtp.EndToEnd;

/// <summary>
/// Opportunistic STARTTLS and BDAT on the way out, against a FastSmtp next hop that offers both,
/// and a whole relay hop: one FastSmtp forwarding to another over TLS.
/// </summary>
public class OutboundTlsTests(TlsServerFixture fixture) : IClassFixture<TlsServerFixture>
{
    private readonly ServerProcess _nextHop = fixture.Server;

    [Fact]
    public async Task The_client_upgrades_to_tls_and_sends_the_body_as_one_bdat_chunk()
    {
        // Lines a DATA transfer would have to stuff: with BDAT they travel as they are.
        byte[] body = Encoding.ASCII.GetBytes("Subject: chunked\r\n\r\n.\r\n..\r\n.leading dot\r\n");
        (SmtpDeliveryClient? client, NextHopReply hello) = await SmtpDeliveryClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, _nextHop.Port), "relay.test", CancellationToken.None);

        Assert.NotNull(client);
        Assert.Equal(250, hello.Code);
        Assert.True(client.IsTls);
        Assert.False(client.Extensions.ContainsKey("STARTTLS"), "EHLO after TLS no longer offers STARTTLS");
        Assert.True(client.UsesChunking);
        DeliveryResult result;
        await using (client)
        {
            result = await client.SendAsync("sender@relay.test"u8.ToArray(), ["u@remote.example"], body, CancellationToken.None);
        }

        Assert.True(result.Delivered(0), result.Data.ToString());
        string queueId = result.Data.Text.Split(' ')[^1];
        SpooledMessage stored = Assert.Single(_nextHop.ReadSpool(), m => m.QueueId.ToString() == queueId);
        Assert.EndsWith("\r\n" + Encoding.ASCII.GetString(body), Encoding.ASCII.GetString(stored.Body));
        Assert.Contains("with ESMTPS id " + queueId, Encoding.ASCII.GetString(stored.Body));
    }

    [Fact]
    public async Task A_relay_forwards_to_its_smarthost_over_tls()
    {
        await using ServerProcess relay = await ServerProcess.StartAsync("--smarthost", $"127.0.0.1:{_nextHop.Port}", "--hostname", "relay.test");

        string relayId = await DeliveryTests.SendAsync(relay.Port, "alice@client.test", ["bob@far.example"], "two hops");
        Assert.Empty(await DeliveryTests.WaitForQueueAsync(relay.Spool, queue => queue.Count == 0));

        SpooledMessage arrived = Assert.Single(_nextHop.ReadSpool(), m => Encoding.ASCII.GetString(m.Body).Contains($"with ESMTP id {relayId}", StringComparison.Ordinal));
        string text = Encoding.ASCII.GetString(arrived.Body);
        Assert.StartsWith("Received: from relay.test", text);
        Assert.Contains($"with ESMTPS id {arrived.QueueId}", text);
        Assert.Equal("alice@client.test", arrived.MailFrom);
    }
}
