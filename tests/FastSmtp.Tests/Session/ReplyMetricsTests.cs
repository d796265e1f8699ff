using System.Diagnostics.Metrics;
using FastSmtp.Metrics;

namespace FastSmtp.Tests.Session;

[CollectionDefinition(nameof(ReplyMetricsTests), DisableParallelization = true)]
public sealed class ReplyMetricsCollection;

/// <summary>
/// Every reply a session writes is counted by its code, whatever wrote it: fixed replies, policy
/// refusals naming an address, VRFY and EXPN lines. Run alone, since the counter is process-wide.
/// </summary>
[Collection(nameof(ReplyMetricsTests))]
public class ReplyMetricsTests
{
    [Fact]
    public async Task Every_reply_is_counted_by_its_code()
    {
        var counted = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == SmtpMetrics.MeterName && instrument.Name == "fastsmtp.replies")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                if (tag.Key == "code")
                {
                    lock (counted)
                    {
                        counted[(string)tag.Value!] = counted.GetValueOrDefault((string)tag.Value!) + value;
                    }
                }
            }
        });
        listener.Start();

        await using (var session = new SessionHarness(policy: TestPolicy.With(("users.txt", "fred@localhost -\n"), ("groups.txt", "staff@localhost: fred@localhost, ann@partner.example\n"), ("smtp.conf", "allow-remote-view-of-groups = yes\n"))))
        {
            await session.GreetAsync();
            await session.SendAsync("VRFY fred@localhost\r\nVRFY nobody@localhost\r\nEXPN staff@localhost\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<nobody@localhost>\r\nQUIT\r\n");
            await session.ReadRepliesAsync(6);
            await session.Run.WaitAsync(TimeSpan.FromSeconds(10));
        }

        // 220; EHLO's 250, VRFY fred, EXPN (one reply of two lines), MAIL; VRFY nobody and RCPT nobody (user unknown); 221.
        Assert.Equal(1, counted.GetValueOrDefault("220"));
        Assert.Equal(4, counted.GetValueOrDefault("250"));
        Assert.Equal(2, counted.GetValueOrDefault("550"));
        Assert.Equal(1, counted.GetValueOrDefault("221"));
    }
}
