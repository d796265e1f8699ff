using System.Text.Json;
using System.Text.RegularExpressions;

namespace FastSmtp.EndToEnd;

/// <summary>
/// Every refusal leaves one log line naming the stage, the client, the reply, the envelope so far,
/// HELO and the rule behind it (Postfix's "NOQUEUE: reject:"), in text and in JSON. policies/strict:
/// relay for 127.0.0.1 only, kill.lst line 2 is @*widget.com, deny.txt line 1 is 127.0.9.0/24.
/// </summary>
public partial class RefusalLogTests
{
    [Fact]
    public async Task Each_refusal_kind_is_logged_with_its_stage_envelope_and_rule()
    {
        await using ServerProcess server = await ServerProcess.StartWithPolicyAsync("strict");
        string address = RawSmtpClient.NextSourceAddress();
        await using (RawSmtpClient client = await RawSmtpClient.ConnectAsync(server.Port, address))
        {
            Assert.StartsWith("220", await client.ReadReplyAsync());
            Assert.StartsWith("501", await client.CommandAsync("EHLO"));
            Assert.StartsWith("250", await client.CommandAsync("EHLO client.test"));
            Assert.StartsWith("552", await client.CommandAsync("MAIL FROM:<big@x.example> SIZE=999999999999"));
            Assert.StartsWith("501", await client.CommandAsync("MAIL FROM:<x@bluewidget.com>"));
            Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<a@x.example>"));
            Assert.StartsWith("550", await client.CommandAsync("RCPT TO:<u@remote.example>"));
            Assert.StartsWith("550", await client.CommandAsync("RCPT TO:<nobody@e2e.test>"));
            Assert.StartsWith("250", await client.CommandAsync("RCPT TO:<fred@e2e.test>"));
            Assert.StartsWith("354", await client.CommandAsync("DATA"));
            Assert.StartsWith("550 5.6.0", await client.CommandAsync("Subject: smuggled\r\n\r\nbare\nline\r\n."));
            Assert.StartsWith("535", await client.CommandAsync("AUTH PLAIN " + StrictPolicyTests.Plain("fred@e2e.test", "wrong")));
        }

        string denied = "127.0.9." + (1 + Random.Shared.Next(250));
        await using (RawSmtpClient refused = await RawSmtpClient.ConnectAsync(server.Port, denied))
        {
            Assert.Equal("554 5.7.1 access denied\r\n", await refused.ReadReplyAsync());
        }

        await server.WaitForOutputAsync($"reject: CONNECT from [{denied}]");
        string from = $"from [{address}]: ";
        Assert.Contains($"NOQUEUE: reject: EHLO {from}501 5.5.4 Syntax: EHLO hostname; from=<> to=<> helo=<> rule=-", server.Output);
        Assert.Contains($"NOQUEUE: reject: MAIL {from}552 5.3.4 message size exceeds limit; from=<> to=<> helo=<client.test> rule=--max-message-size", server.Output);
        Assert.Contains($"NOQUEUE: reject: MAIL {from}501 5.7.1 unacceptable mail address; from=<x@bluewidget.com> to=<> helo=<client.test> rule=kill.lst:2", server.Output);
        Assert.Contains($"NOQUEUE: reject: RCPT {from}550 5.7.1 unknown local host remote.example, not a gateway; from=<a@x.example> to=<u@remote.example> helo=<client.test> rule=smtp.conf:1", server.Output);
        Assert.Contains($"NOQUEUE: reject: RCPT {from}550 5.1.1 <nobody@e2e.test>: user unknown; from=<a@x.example> to=<nobody@e2e.test> helo=<client.test> rule=hosts.txt:", server.Output);
        Assert.Matches($@"[0-9A-F]{{16}}: reject: END-OF-MESSAGE {Regex.Escape(from)}550 5\.6\.0 message refused: bare <CR> or <LF> in message content; from=<a@x\.example> to=<fred@mail\.e2e\.test> helo=<client\.test> rule=-", server.Output);
        Assert.Contains($"NOQUEUE: reject: AUTH {from}535 5.7.8 authentication failed; from=<> to=<> helo=<client.test>", server.Output);
        Assert.Contains($"NOQUEUE: reject: CONNECT from [{denied}]: 554 5.7.1 access denied; from=<> to=<> helo=<> rule=deny.txt:1", server.Output);
    }

    [Fact]
    public async Task A_refusal_in_json_names_each_field()
    {
        await using ServerProcess server = await ServerProcess.StartWithPolicyAsync("strict", "--log-format", "json");
        string address = RawSmtpClient.NextSourceAddress();
        await using (RawSmtpClient client = await RawSmtpClient.ConnectAsync(server.Port, address))
        {
            Assert.StartsWith("220", await client.ReadReplyAsync());
            Assert.StartsWith("250", await client.CommandAsync("EHLO json.test"));
            Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<a@x.example>"));
            Assert.StartsWith("550", await client.CommandAsync("RCPT TO:<u@remote.example>"));
        }

        await server.WaitForOutputAsync("\"event\":9");
        JsonElement line = server.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(text => text.StartsWith('{'))
            .Select(text => JsonDocument.Parse(text).RootElement)
            .Single(json => json.GetProperty("event").GetInt32() == 9);
        Assert.Equal("NOQUEUE", line.GetProperty("QueueId").GetString());
        Assert.Equal("RCPT", line.GetProperty("Stage").GetString());
        Assert.Equal(address, line.GetProperty("ClientIp").GetString());
        Assert.Equal("550 5.7.1 unknown local host remote.example, not a gateway", line.GetProperty("Reply").GetString());
        Assert.Equal("a@x.example", line.GetProperty("Sender").GetString());
        Assert.Equal("u@remote.example", line.GetProperty("Recipient").GetString());
        Assert.Equal("json.test", line.GetProperty("Helo").GetString());
        Assert.Equal("smtp.conf:1", line.GetProperty("Rule").GetString());
    }
}
