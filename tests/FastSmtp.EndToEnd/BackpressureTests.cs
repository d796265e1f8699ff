using FastSmtp.EndToEnd.Peers;
using FastSmtp.Queue;

namespace FastSmtp.EndToEnd;

/// <summary>
/// Backpressure end to end: with the next hop down the queue passes its bound, and the next
/// client's MAIL is answered late, never refused; the metric counts it.
/// </summary>
public class BackpressureTests
{
    [SkippableFact]
    public async Task Past_the_bound_a_sender_is_slowed_never_refused_and_the_delay_is_counted()
    {
        await using ServerProcess server = await ServerProcess.StartAsync(
            "--smarthost", $"127.0.0.1:{RequiredTool.FreeTcpPort()}", "--inflow-delay-backlog", "2", "--inflow-delay", "00:00:00.200", "--metrics", "127.0.0.1:0");
        string metricsBase = await ObservabilityTests.MetricsBaseAsync(server);
        using var http = new HttpClient();

        // Two messages fill the queue to its bound (the hop is down: they wait there).
        await DeliveryTests.SendAsync(server.Port, "alice@client.test", ["one@remote.example"], "one");
        await DeliveryTests.SendAsync(server.Port, "alice@client.test", ["two@remote.example"], "two");
        Assert.Equal(2, (await DeliveryTests.WaitForQueueAsync(server.Spool, queue => queue.Count == 2)).Count);

        // The third is slowed, and accepted.
        string third = await DeliveryTests.SendAsync(server.Port, "alice@client.test", ["three@remote.example"], "three");
        Assert.Contains(SpoolReader.ReadQueue(server.Spool), r => r.QueueId.ToString() == third);
        string metrics = await ObservabilityTests.WaitForMetricAsync(http, metricsBase, "fastsmtp_inflow_delayed_total{otel_scope_name=\"FastSmtp\"} 1");
        Assert.Equal(1, ObservabilityTests.Value(metrics, "fastsmtp_inflow_delayed_total"));
        Assert.Equal(0.2, ObservabilityTests.Value(metrics, "fastsmtp_inflow_delay_seconds_total"), precision: 6);
    }
}
