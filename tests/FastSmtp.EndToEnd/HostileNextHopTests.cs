using System.Net;
using System.Net.Sockets;
using System.Text;
using FastSmtp.EndToEnd.Peers;
using FastSmtp.Queue;

namespace FastSmtp.EndToEnd;

/// <summary>
/// A next hop that misbehaves is a temporary failure for its own destination only: one message
/// to a good and a bad domain (MX records from dnsmasq) is delivered to the good one at once and
/// deferred for the bad one, with the reason recorded.
/// </summary>
public class HostileNextHopTests
{
    public enum Behaviour
    {
        SendsGarbage,
        SendsATenMegabyteLine,
        NeverAnswers,
        DropsMidData,
    }

    [SkippableTheory]
    [InlineData(Behaviour.SendsGarbage, "unreadable reply")]
    [InlineData(Behaviour.SendsATenMegabyteLine, "unreadable reply")]
    [InlineData(Behaviour.NeverAnswers, "timed out")]
    [InlineData(Behaviour.DropsMidData, "connection")]
    public async Task A_bad_next_hop_defers_only_its_own_recipient(Behaviour behaviour, string reason)
    {
        await using SmtpSink sink = await SmtpSink.StartAsync();
        using var hostile = new TcpListener(IPAddress.Parse("127.0.0.2"), sink.Port);
        hostile.Start();
        using var stop = new CancellationTokenSource();
        Task peer = ServeBadlyAsync(hostile, behaviour, stop.Token);
        await using Dnsmasq dns = await Dnsmasq.StartAsync(
            "--mx-host=good.test,mx.good.test,10", "--host-record=mx.good.test,127.0.0.1",
            "--mx-host=bad.test,mx.bad.test,10", "--host-record=mx.bad.test,127.0.0.2");
        await using ServerProcess server = await ServerProcess.StartAsync(
            "--dns", dns.Endpoint, "--mx-port", sink.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--delivery-timeout", "00:00:10");

        string queueId = await DeliveryTests.SendAsync(server.Port, "alice@client.test", ["u@good.test", "u@bad.test"], "one good, one bad");

        // The timeout bounds every step, the good destination's too: it is long enough for a cold,
        // busy machine (3 s was not, once, in a full run), and the silent peer meets it.
        string dump = Assert.Single(await sink.WaitForMessagesAsync(1, context: () => server.Output));
        Assert.Contains("X-Rcpt-Args: <u@good.test>", dump);
        Assert.DoesNotContain("X-Rcpt-Args: <u@bad.test>", dump);
        await server.WaitForOutputAsync($"Delivery {queueId} to <u@bad.test>", TimeSpan.FromSeconds(60));
        QueuedRecipient deferred = Assert.Single(await DeliveryTests.WaitForQueueAsync(server.Spool, queue => queue is [{ State: RecipientState.Deferred }]));
        Assert.Equal("u@bad.test", deferred.Address);
        Assert.Equal(RecipientState.Deferred, deferred.State);
        Assert.StartsWith("4.4.1 ", deferred.LastResponse);
        Assert.Contains(reason, deferred.LastResponse);

        // The server is still well: it takes the next message.
        await DeliveryTests.SendAsync(server.Port, "alice@client.test", ["v@good.test"], "still serving");
        await sink.WaitForMessagesAsync(2);
        await stop.CancelAsync();
        hostile.Stop();
        await peer.ContinueWith(_ => { });
    }

    [SkippableFact]
    public async Task A_destination_that_hangs_does_not_hold_up_mail_for_others()
    {
        await using SmtpSink sink = await SmtpSink.StartAsync();
        using var hanging = new TcpListener(IPAddress.Parse("127.0.0.2"), sink.Port);
        hanging.Start();
        using var stop = new CancellationTokenSource();
        Task peer = ServeBadlyAsync(hanging, Behaviour.NeverAnswers, stop.Token);
        await using Dnsmasq dns = await Dnsmasq.StartAsync(
            "--mx-host=good.test,mx.good.test,10", "--host-record=mx.good.test,127.0.0.1",
            "--mx-host=slow.test,mx.slow.test,10", "--host-record=mx.slow.test,127.0.0.2");
        await using ServerProcess server = await ServerProcess.StartAsync(
            "--dns", dns.Endpoint, "--mx-port", sink.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--delivery-timeout", "00:05:00");

        // Many messages to the hanging destination first, filling all of its connections...
        string[] slow = new string[25];
        for (int i = 0; i < slow.Length; i++)
        {
            slow[i] = await DeliveryTests.SendAsync(server.Port, "alice@client.test", [$"u{i}@slow.test"], "stuck");
        }

        // ...then one for another destination: it goes at once.
        string fast = await DeliveryTests.SendAsync(server.Port, "alice@client.test", ["v@good.test"], "not stuck");
        string dump = Assert.Single(await sink.WaitForMessagesAsync(1));
        Assert.Contains("X-Rcpt-Args: <v@good.test>", dump);
        await server.WaitForOutputAsync($"Delivery {fast} to <v@good.test>");
        Assert.All(slow, id => Assert.DoesNotContain($"Delivery {id}", server.Output));
        Assert.Equal(25, SpoolReader.ReadQueue(server.Spool).Count(r => r.Address.EndsWith("@slow.test", StringComparison.Ordinal)));
        await stop.CancelAsync();
        hanging.Stop();
        await peer.ContinueWith(_ => { });
    }

    [SkippableFact]
    public async Task A_broken_starttls_is_retried_in_plain_text()
    {
        using var peer = new TcpListener(IPAddress.Loopback, 0);
        peer.Start();
        using var stop = new CancellationTokenSource();
        Task serving = ServeBrokenTlsThenPlainAsync(peer, stop.Token);
        await using ServerProcess server = await ServerProcess.StartAsync("--smarthost", peer.LocalEndpoint.ToString()!);

        string queueId = await DeliveryTests.SendAsync(server.Port, "alice@client.test", ["u@remote.example"], "plain after all");

        Assert.Empty(await DeliveryTests.WaitForQueueAsync(server.Spool, queue => queue.Count == 0));
        await server.WaitForOutputAsync("STARTTLS with 127.0.0.1");
        await server.WaitForOutputAsync($"Delivery {queueId} to <u@remote.example> via {peer.LocalEndpoint}: 250 2.0.0 accepted in plain text");
        await stop.CancelAsync();
        peer.Stop();
        await serving.ContinueWith(_ => { });
    }

    /// <summary>First connection: offers STARTTLS, then answers the handshake with garbage. Second: a plain transaction.</summary>
    internal static async Task ServeBrokenTlsThenPlainAsync(TcpListener listener, CancellationToken stop)
    {
        for (int connectionNumber = 0; !stop.IsCancellationRequested; connectionNumber++)
        {
            using Socket connection = await listener.AcceptSocketAsync(stop);
            using var stream = new NetworkStream(connection);
            using var reader = new StreamReader(stream, Encoding.ASCII);
            async Task Say(string text) => await stream.WriteAsync(Encoding.ASCII.GetBytes(text), stop);

            await Say("220 tls-breaker.test ESMTP\r\n");
            await reader.ReadLineAsync(stop);
            await Say("250-tls-breaker.test\r\n250 STARTTLS\r\n");
            string? command = await reader.ReadLineAsync(stop);
            if (connectionNumber == 0 && command == "STARTTLS")
            {
                await Say("220 2.0.0 go ahead\r\n");
                await Say("this is not a TLS record\r\n");
                continue;
            }

            // MAIL was read above; RCPT, DATA, the body, QUIT.
            await Say("250 2.1.0 Ok\r\n");
            await reader.ReadLineAsync(stop);
            await Say("250 2.1.5 Ok\r\n");
            await reader.ReadLineAsync(stop);
            await Say("354 go ahead\r\n");
            while (await reader.ReadLineAsync(stop) is { } line && line != ".")
            {
            }

            await Say("250 2.0.0 accepted in plain text\r\n");
            await reader.ReadLineAsync(stop);
            await Say("221 bye\r\n");
        }
    }

    private static async Task ServeBadlyAsync(TcpListener listener, Behaviour behaviour, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            Socket connection = await listener.AcceptSocketAsync(stop);
            var stream = new NetworkStream(connection);
            var reader = new StreamReader(stream, Encoding.ASCII);
            async Task Say(string text) => await stream.WriteAsync(Encoding.ASCII.GetBytes(text), stop);

            if (behaviour == Behaviour.NeverAnswers)
            {
                // Held open, silent, until the test ends; the next connection is accepted meanwhile.
                Socket held = connection;
                _ = Task.Delay(Timeout.Infinite, stop).ContinueWith(_ => held.Dispose(), TaskScheduler.Default);
                continue;
            }

            await Say("220 hostile.test ESMTP\r\n");
            await reader.ReadLineAsync(stop);
            switch (behaviour)
            {
                case Behaviour.SendsGarbage:
                    await Say("\u0001\u0002 this is not SMTP at all\r\n");
                    break;
                case Behaviour.SendsATenMegabyteLine:
                    await Say("250-" + new string('x', 10 * 1024 * 1024));
                    break;
                case Behaviour.DropsMidData:
                    await Say("250 hostile.test\r\n");
                    await reader.ReadLineAsync(stop);
                    await Say("250 2.1.0 Ok\r\n");
                    await reader.ReadLineAsync(stop);
                    await Say("250 2.1.5 Ok\r\n");
                    await reader.ReadLineAsync(stop);
                    await Say("354 go ahead\r\n");
                    await reader.ReadLineAsync(stop);
                    break;
            }

            connection.Close();
            connection.Dispose();
        }
    }
}
