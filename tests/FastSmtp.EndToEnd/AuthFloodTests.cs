using System.Diagnostics;
using System.Text;

namespace FastSmtp.EndToEnd;

/// <summary>
/// Thirty clients flood AUTH for an account that does not exist, each attempt from a new address
/// in a new /24 (so no per-address or per-network count holds them back): with the default
/// policy each attempt costs a full 600,000-round verification. An honest client's transactions
/// must stay quick. Unbounded, both cores were pinned and its rounds took 4-6 s; the figures
/// themselves are measured by bench/load/auth-flood.sh.
/// </summary>
public class AuthFloodTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Flooders = 30;
    private static readonly TimeSpan FloodTime = TimeSpan.FromSeconds(8);

    [Fact]
    public async Task An_auth_flood_from_ever_new_addresses_leaves_an_honest_client_quick()
    {
        await using ServerProcess server = await ServerProcess.StartAsync("--max-connections-per-minute", "0");
        using var stop = new CancellationTokenSource(FloodTime);
        var answers = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        int next = 0;
        Task[] flood = Enumerable.Range(0, Flooders).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                int n = Interlocked.Increment(ref next);
                await using RawSmtpClient client = await RawSmtpClient.ConnectAsync(server.Port, $"127.{100 + (n / 250)}.{n % 250}.1");
                await client.ReadReplyAsync();
                await client.CommandAsync("EHLO flood.example");
                string reply = await client.CommandAsync("AUTH PLAIN " + Convert.ToBase64String(Encoding.ASCII.GetBytes("\0nobody@localhost\0guess")));
                answers.AddOrUpdate(reply[..3], 1, (_, count) => count + 1);
            }
        })).ToArray();

        var rounds = new List<double>();
        await using (RawSmtpClient honest = await RawSmtpClient.ConnectAsync(server.Port, "127.0.0.1"))
        {
            await honest.ReadReplyAsync();
            while (!stop.IsCancellationRequested)
            {
                long started = Stopwatch.GetTimestamp();
                Assert.StartsWith("250", await honest.CommandAsync("EHLO honest.example"));
                Assert.StartsWith("250", await honest.CommandAsync("MAIL FROM:<a@honest.example>"));
                Assert.StartsWith("250", await honest.CommandAsync("RCPT TO:<postmaster@localhost>"));
                Assert.StartsWith("250", await honest.CommandAsync("RSET"));
                rounds.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                await Task.Delay(50);
            }
        }

        await Task.WhenAll(flood);
        double median = rounds.Order().ElementAt(rounds.Count / 2);
        output.WriteLine($"honest rounds: {rounds.Count}, median {median:F1} ms, max {rounds.Max():F1} ms; flood answers: {string.Join(", ", answers.Select(a => $"{a.Key} x{a.Value}"))}");

        // Every attempt was either verified and refused, or told to come back: the gate was full.
        Assert.True(answers.GetValueOrDefault("535") > 0 && answers.GetValueOrDefault("454") > 0, string.Join(", ", answers));
        Assert.Equal(answers.GetValueOrDefault("535") + answers.GetValueOrDefault("454"), answers.Values.Sum());
        // Loose enough for a loaded CI machine; the flood without a bound made it 4,000 ms and more.
        Assert.True(median < 1000, $"median honest round {median:F0} ms");
    }
}
