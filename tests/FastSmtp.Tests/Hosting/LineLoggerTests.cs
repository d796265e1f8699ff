using System.Text.RegularExpressions;
using FastSmtp.Hosting;
using Microsoft.Extensions.Logging;

namespace FastSmtp.Tests.Hosting;

public sealed partial class LineLoggerTests
{
    [Fact]
    public void A_line_has_the_utc_time_the_level_the_category_the_event_and_the_message()
    {
        var output = new StringWriter();
        var logger = new LineLogger("FastSmtp.Delivery.DeliveryAgent", output);

        LogDelivered(logger, "u@remote.example", 250);

        Assert.Matches(
            new Regex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info: FastSmtp\.Delivery\.DeliveryAgent\[200\] Delivered to <u@remote\.example>: 250\n$"),
            output.ToString());
        string stamp = output.ToString()[..24];
        DateTime written = DateTime.ParseExact(stamp, "yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal);
        Assert.InRange(DateTime.UtcNow - written, TimeSpan.Zero, TimeSpan.FromMinutes(1));
    }

    [Fact]
    public void An_exception_follows_its_line_and_a_line_longer_than_the_stack_buffer_is_whole()
    {
        var output = new StringWriter();
        var logger = new LineLogger("Cat", output);
        string recipient = new string('r', 2000) + "@x.example";

        LogFailed(logger, new InvalidOperationException("spool unreadable"), recipient);

        string[] lines = output.ToString().Split('\n');
        Assert.EndsWith($" fail: Cat[201] Pass failed for {recipient}", lines[0]);
        Assert.Equal("System.InvalidOperationException: spool unreadable", lines[1]);
        Assert.Equal(string.Empty, lines[^1]);
    }

    [Fact]
    public void None_is_never_enabled_and_every_real_level_is()
    {
        var logger = new LineLogger("Cat", new StringWriter());

        Assert.False(logger.IsEnabled(LogLevel.None));
        Assert.All(new[] { LogLevel.Trace, LogLevel.Debug, LogLevel.Information, LogLevel.Warning, LogLevel.Error, LogLevel.Critical }, level => Assert.True(logger.IsEnabled(level)));
    }

    [Fact]
    public void A_json_line_carries_the_named_values_as_properties()
    {
        var output = new StringWriter();
        var logger = new LineLogger("FastSmtp.Delivery.DeliveryAgent", output, json: true);

        LogDelivered(logger, "u\"q@remote.example", 250);
        LogFailed(logger, new InvalidOperationException("spool unreadable"), "v@remote.example");

        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        using (var first = System.Text.Json.JsonDocument.Parse(lines[0]))
        {
            System.Text.Json.JsonElement line = first.RootElement;
            Assert.Equal("info", line.GetProperty("level").GetString());
            Assert.Equal("FastSmtp.Delivery.DeliveryAgent", line.GetProperty("category").GetString());
            Assert.Equal(200, line.GetProperty("event").GetInt32());
            Assert.Equal("Delivered to <u\"q@remote.example>: 250", line.GetProperty("message").GetString());
            Assert.Equal("u\"q@remote.example", line.GetProperty("Recipient").GetString());
            Assert.Equal(250, line.GetProperty("Code").GetInt32());
            Assert.False(line.TryGetProperty("{OriginalFormat}", out _));
            Assert.True(DateTime.TryParse(line.GetProperty("time").GetString(), System.Globalization.CultureInfo.InvariantCulture, out _));
        }

        using var second = System.Text.Json.JsonDocument.Parse(lines[1]);
        Assert.Equal("fail", second.RootElement.GetProperty("level").GetString());
        Assert.StartsWith("System.InvalidOperationException: spool unreadable", second.RootElement.GetProperty("exception").GetString());
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Delivered to <{Recipient}>: {Code}")]
    private static partial void LogDelivered(ILogger logger, string recipient, int code);

    [LoggerMessage(EventId = 201, Level = LogLevel.Error, Message = "Pass failed for {Recipient}")]
    private static partial void LogFailed(ILogger logger, Exception exception, string recipient);
    [Fact]
    public void A_delivery_line_reads_as_its_template_in_text_and_names_its_values_in_json()
    {
        var text = new StringWriter();
        var json = new StringWriter();
        var message = new FastSmtp.Delivery.DeliveryLogMessage(new FastSmtp.Queue.QueueId(0x1A2B), "u@remote.example", "127.0.0.1:25", new FastSmtp.Protocol.NextHopReply(250, "2.0.0 Ok: queued as X"));

        new LineLogger("FastSmtp.Delivery.DeliveryAgent", text).Log(LogLevel.Information, new EventId(200), message, null, static (m, _) => m.ToString());
        new LineLogger("FastSmtp.Delivery.DeliveryAgent", json, json: true).Log(LogLevel.Information, new EventId(200), message, null, static (m, _) => m.ToString());

        const string expected = "Delivery 0000000000001A2B to <u@remote.example> via 127.0.0.1:25: 250 2.0.0 Ok: queued as X";
        Assert.EndsWith($" info: FastSmtp.Delivery.DeliveryAgent[200] {expected}\n", text.ToString());
        Assert.Equal(expected, message.ToString());
        using var document = System.Text.Json.JsonDocument.Parse(json.ToString());
        Assert.Equal(expected, document.RootElement.GetProperty("message").GetString());
        Assert.Equal("0000000000001A2B", document.RootElement.GetProperty("QueueId").GetString());
        Assert.Equal("u@remote.example", document.RootElement.GetProperty("Recipient").GetString());
        Assert.Equal("127.0.0.1:25", document.RootElement.GetProperty("Relay").GetString());
        Assert.Equal("250 2.0.0 Ok: queued as X", document.RootElement.GetProperty("Result").GetString());
    }

    [Fact]
    public void A_delivery_line_allocates_nothing()
    {
        var logger = new LineLogger("FastSmtp.Delivery.DeliveryAgent", TextWriter.Null);
        var message = new FastSmtp.Delivery.DeliveryLogMessage(new FastSmtp.Queue.QueueId(7), "u@remote.example", "127.0.0.1:25", new FastSmtp.Protocol.NextHopReply(250, "2.0.0 Ok"));
        Func<FastSmtp.Delivery.DeliveryLogMessage, Exception?, string> formatter = static (m, _) => m.ToString();
        logger.Log(LogLevel.Information, new EventId(200), message, null, formatter);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            logger.Log(LogLevel.Information, new EventId(200), message, null, formatter);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
