using System.Net;
using System.Text.RegularExpressions;
using FastSmtp.EndToEnd.Peers;

namespace FastSmtp.EndToEnd;

/// <summary>--metrics (Prometheus text on /metrics, /healthz) and --drain, on real processes and sockets.</summary>
public partial class ObservabilityTests
{
    [SkippableFact]
    public async Task Metrics_count_what_the_server_did_and_health_says_ok()
    {
        await using SmtpSink sink = await SmtpSink.StartAsync();
        await using ServerProcess server = await ServerProcess.StartAsync("--metrics", "127.0.0.1:0", "--smarthost", $"127.0.0.1:{sink.Port}");
        string metricsBase = await MetricsBaseAsync(server);

        await DeliveryTests.SendAsync(server.Port, "alice@client.test", ["bob@remote.example"], "counted");
        await using (RawSmtpClient client = await RawSmtpClient.ConnectAsync(server.Port))
        {
            await client.ReadReplyAsync();
            Assert.StartsWith("500", await client.CommandAsync("BOGUS"));
        }

        await sink.WaitForMessagesAsync(1);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        string metrics = await WaitForMetricAsync(http, metricsBase, "outcome=\"delivered\"");

        Assert.Equal(1, Value(metrics, "fastsmtp_messages_accepted_total"));
        Assert.Equal(1, Value(metrics, "fastsmtp_deliveries_total", "outcome=\"delivered\""));
        Assert.Equal(1, Value(metrics, "fastsmtp_commands_total", "verb=\"Mail\""));
        Assert.Equal(1, Value(metrics, "fastsmtp_commands_total", "verb=\"Unknown\""));
        Assert.True(Value(metrics, "fastsmtp_replies_total", "code=\"250\"") >= 4, metrics);
        Assert.Equal(1, Value(metrics, "fastsmtp_replies_total", "code=\"500\""));
        // Policy decisions at every stage: two sessions admitted, one sender, one recipient.
        Assert.Equal(2, Value(metrics, "fastsmtp_policy_decisions_total", "outcome=\"Accept\"", "stage=\"connect\""));
        Assert.Equal(1, Value(metrics, "fastsmtp_policy_decisions_total", "outcome=\"Accept\"", "stage=\"mail\""));
        Assert.Equal(1, Value(metrics, "fastsmtp_policy_decisions_total", "outcome=\"Accept\"", "stage=\"rcpt\""));
        Assert.Equal(2, Value(metrics, "fastsmtp_sessions_total"));
        Assert.True(Value(metrics, "fastsmtp_spool_fsync_batch_count") >= 1, metrics);
        Assert.Contains("fastsmtp_spool_fsync_duration_seconds_bucket", metrics);
        Assert.Contains("fastsmtp_queue_messages", metrics);

        using HttpResponseMessage health = await http.GetAsync(metricsBase + "/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("ok\n", await health.Content.ReadAsStringAsync());
    }

    [SkippableFact]
    public async Task A_draining_instance_refuses_new_mail_with_421_and_delivers_what_it_holds()
    {
        int port = RequiredTool.FreeTcpPort();
        await using ServerProcess first = await ServerProcess.StartAsync("--smarthost", $"127.0.0.1:{port}");
        await DeliveryTests.SendAsync(first.Port, "alice@client.test", ["later@remote.example"], "held");
        await first.WaitForOutputAsync("ConnectionRefused");
        Assert.Equal(0, await first.TerminateAsync());

        await using SmtpSink sink = await SmtpSink.StartAsync(port);
        await using ServerProcess draining = await ServerProcess.StartAsync("--spool", first.Spool, "--drain", "--smarthost", $"127.0.0.1:{port}", "--metrics", "127.0.0.1:0");

        string dump = Assert.Single(await sink.WaitForMessagesAsync(1));
        Assert.Contains("Subject: held", dump);

        await using RawSmtpClient client = await RawSmtpClient.ConnectAsync(draining.Port);
        Assert.Matches(@"^421 4\.3\.2 \S+ Service not available: draining, try another server\r\n$", await client.ReadReplyAsync());
        Assert.Null(await client.ReadReplyAsync());

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using HttpResponseMessage health = await http.GetAsync(await MetricsBaseAsync(draining) + "/healthz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Equal("draining\n", await health.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Json_logs_name_the_queue_id_on_every_line_of_a_messages_life()
    {
        await using ServerProcess server = await ServerProcess.StartAsync("--log-format", "json");
        string queued = await DeliveryTests.SendAsync(server.Port, "alice@client.test", ["postmaster@localhost"], "logged");
        await DeliveryTests.WaitForMaildirAsync(server, "localhost", "postmaster", 1);
        await server.WaitForOutputAsync("\"event\":200");

        List<System.Text.Json.JsonElement> lines = [];
        foreach (string line in server.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(line => line.StartsWith('{')))
        {
            lines.Add(System.Text.Json.JsonDocument.Parse(line).RootElement);
        }

        List<System.Text.Json.JsonElement> lifeOfTheMessage = lines.Where(line => line.GetProperty("message").GetString()!.Contains(queued, StringComparison.Ordinal)).ToList();
        Assert.True(lifeOfTheMessage.Count >= 2, server.Output);
        Assert.All(lifeOfTheMessage, line => Assert.Equal(queued, line.GetProperty("QueueId").GetString()));
        Assert.Contains(lifeOfTheMessage, line => line.GetProperty("event").GetInt32() == 200 && line.GetProperty("Recipient").GetString() == "postmaster@localhost");
    }

    /// <summary>The value of a sample: the metric name, optionally labels it must carry, then the number.</summary>
    internal static double Value(string metrics, string name, params string[] labels)
    {
        foreach (string line in metrics.Split('\n'))
        {
            if (line.StartsWith(name, StringComparison.Ordinal) && (line.Length == name.Length || line[name.Length] is ' ' or '{')
                && labels.All(label => line.Contains(label, StringComparison.Ordinal)))
            {
                return double.Parse(line.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        throw new Xunit.Sdk.XunitException($"no sample {name} {string.Join(' ', labels)}:\n{metrics}");
    }

    internal static async Task<string> WaitForMetricAsync(HttpClient http, string metricsBase, string sample)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            string metrics = await http.GetStringAsync(metricsBase + "/metrics");
            if (metrics.Contains(sample, StringComparison.Ordinal) || DateTime.UtcNow > deadline)
            {
                return metrics;
            }

            await Task.Delay(100);
        }
    }

    internal static async Task<string> MetricsBaseAsync(ServerProcess server)
    {
        await server.WaitForOutputAsync("Metrics on http://");
        return "http://" + MetricsLine().Match(server.Output).Groups[1].Value;
    }

    [GeneratedRegex(@"Metrics on http://(127\.0\.0\.1:\d+)/metrics")]
    private static partial Regex MetricsLine();
}
