using System.Buffers.Binary;
using System.Text;

namespace FastSmtp.EndToEnd;

/// <summary>policies/strict (relay for 127.0.0.1 only) behind a "load balancer" at 127.0.0.1.</summary>
public sealed class ProxyProtocolFixture : ServerFixture
{
    protected override string? Policy => "strict";

    protected override string[] Arguments() => ["--proxy-protocol-from", "127.0.0.1/32,::1", "--proxy-protocol-timeout", "00:00:02"];
}

/// <summary>
/// The PROXY protocol (versions 1 and 2) over raw sockets: a listed balancer's header decides
/// the address that policy and the spool see; a malformed, missing or unlisted header is refused.
/// The balancer's connections come from 127.0.0.1; outsiders from 127.0.1.x.
/// </summary>
public class ProxyProtocolTests(ProxyProtocolFixture fixture) : IClassFixture<ProxyProtocolFixture>
{
    private ServerProcess Server => fixture.Server;

    [Fact]
    public async Task A_version_1_header_makes_the_relay_decision_use_the_client_it_names()
    {
        // Named client outside relay.txt: refused, although the balancer (127.0.0.1) is in it.
        await using (RawSmtpClient outsider = await ThroughBalancerAsync("PROXY TCP4 127.0.0.9 127.0.0.1 40000 25\r\n"u8.ToArray()))
        {
            Assert.StartsWith("250", await outsider.CommandAsync("EHLO client.example"));
            Assert.StartsWith("250", await outsider.CommandAsync("MAIL FROM:<a@client.example>"));
            Assert.Equal("550 5.7.1 unknown local host remote.example, not a gateway\r\n", await outsider.CommandAsync("RCPT TO:<u@remote.example>"));
        }

        // Named client inside relay.txt: relayed.
        await using RawSmtpClient insider = await ThroughBalancerAsync("PROXY TCP4 127.0.0.1 127.0.0.1 40001 25\r\n"u8.ToArray());
        Assert.StartsWith("250", await insider.CommandAsync("EHLO client.example"));
        Assert.StartsWith("250", await insider.CommandAsync("MAIL FROM:<a@client.example>"));
        Assert.Equal("250 2.1.5 Ok\r\n", await insider.CommandAsync("RCPT TO:<u@remote.example>"));
        await Server.WaitForOutputAsync("127.0.0.9");
    }

    [Fact]
    public async Task A_version_2_header_sent_a_byte_at_a_time_with_commands_behind_it_names_the_client_of_the_queued_message()
    {
        byte[] header = Version2Tcp4([127, 0, 0, 23], 40002);
        await using RawSmtpClient client = await RawSmtpClient.ConnectAsync(Server.Port, "127.0.0.1");
        foreach (byte b in header)
        {
            await client.SendAsync([b]);
            await Task.Delay(5);
        }

        // The client's pipelined commands arrive in the same write as nothing else: they must
        // be left for the session, not eaten with the header.
        await client.SendAsync("EHLO client.example\r\nMAIL FROM:<a@client.example>\r\nRCPT TO:<u@remote.example>\r\nRCPT TO:<fred@e2e.test>\r\nDATA\r\n");
        List<string> replies = await client.ReadRepliesAsync(6);
        Assert.StartsWith("220 ", replies[0]);
        Assert.StartsWith("250", replies[1]);
        Assert.StartsWith("250", replies[2]);
        Assert.Equal("550 5.7.1 unknown local host remote.example, not a gateway\r\n", replies[3]);
        Assert.Equal("250 2.1.5 Ok\r\n", replies[4]);
        Assert.StartsWith("354", replies[5]);
        string queued = await client.CommandAsync("Subject: through a balancer\r\n\r\nhello\r\n.");
        Assert.StartsWith("250", queued);

        string queueId = queued.Split(' ')[^1].Trim();
        await Server.WaitForOutputAsync($"Queued {queueId}");
        Assert.Contains("127.0.0.23", Server.Output.Split('\n').Single(line => line.Contains($"Queued {queueId}", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_version_2_local_command_is_the_balancer_itself()
    {
        byte[] local = [.. Signature, 0x20, 0x00, 0, 0];
        await using RawSmtpClient healthCheck = await ThroughBalancerAsync(local);
        Assert.StartsWith("250", await healthCheck.CommandAsync("EHLO balancer.example"));
        Assert.StartsWith("250", await healthCheck.CommandAsync("MAIL FROM:<a@client.example>"));
        Assert.Equal("250 2.1.5 Ok\r\n", await healthCheck.CommandAsync("RCPT TO:<u@remote.example>"));
    }

    [Theory]
    [InlineData("PROXY TCP4 127.0.0.9 127.0.0.1 99999 25\r\n")]
    [InlineData("PROXY TCP4 127.0.0.9\r\n")]
    [InlineData("EHLO client.example\r\n")]
    [InlineData("PROXY UNKNOWN xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n")]
    public async Task A_malformed_header_from_the_balancer_is_answered_421_and_closed(string opening)
    {
        await using RawSmtpClient client = await RawSmtpClient.ConnectAsync(Server.Port, "127.0.0.1");
        await client.SendAsync(opening);

        Assert.Matches(@"^421 4\.7\.0 \S+ Error: malformed or missing PROXY header\r\n$", await client.ReadReplyAsync());
        Assert.Null(await client.ReadReplyAsync());
    }

    [Fact]
    public async Task A_balancer_that_sends_no_header_in_time_is_answered_421_and_closed()
    {
        await using RawSmtpClient client = await RawSmtpClient.ConnectAsync(Server.Port, "127.0.0.1");

        Assert.Matches(@"^421 4\.7\.0 \S+ Error: malformed or missing PROXY header\r\n$", await client.ReadReplyAsync(TimeSpan.FromSeconds(10)));
        await Server.WaitForOutputAsync("PROXY header not sent in time");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task A_client_that_is_not_a_listed_balancer_is_refused_when_it_sends_a_header(int version)
    {
        await using RawSmtpClient client = await RawSmtpClient.ConnectAsync(Server.Port);
        Assert.StartsWith("220 ", await client.ReadReplyAsync());

        await client.SendAsync(version == 1 ? "PROXY TCP4 127.0.0.1 127.0.0.1 40003 25\r\n"u8.ToArray() : Version2Tcp4([127, 0, 0, 1], 40003));

        Assert.Equal("554 5.7.1 PROXY header not accepted from this client\r\n", await client.ReadReplyAsync());
        Assert.Null(await client.ReadReplyAsync());
        await Server.WaitForOutputAsync($"Refused {client.LocalAddress}: sent a PROXY header but is not in --proxy-protocol-from");
    }

    [Fact]
    public async Task A_client_that_is_not_a_listed_balancer_is_served_as_itself()
    {
        await using RawSmtpClient client = await RawSmtpClient.ConnectAsync(Server.Port);
        Assert.StartsWith("220 ", await client.ReadReplyAsync());
        Assert.StartsWith("250", await client.CommandAsync("EHLO client.example"));
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<a@client.example>"));
        Assert.Equal("550 5.7.1 unknown local host remote.example, not a gateway\r\n", await client.CommandAsync("RCPT TO:<u@remote.example>"));
    }

    internal static byte[] Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    internal static byte[] Version2Tcp4(byte[] source, ushort sourcePort)
    {
        byte[] ports = new byte[4];
        BinaryPrimitives.WriteUInt16BigEndian(ports, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(ports.AsSpan(2), 25);
        return [.. Signature, 0x21, 0x11, 0, 12, .. source, 127, 0, 0, 1, .. ports];
    }

    /// <summary>A connection from the balancer's address that opens with <paramref name="header"/>; the greeting is read.</summary>
    private async Task<RawSmtpClient> ThroughBalancerAsync(byte[] header)
    {
        RawSmtpClient client = await RawSmtpClient.ConnectAsync(Server.Port, "127.0.0.1");
        await client.SendAsync(header);
        string? greeting = await client.ReadReplyAsync();
        Assert.True(greeting?.StartsWith("220 ", StringComparison.Ordinal), $"greeting: {greeting ?? "(closed)"}\n{Server.Output}");
        return client;
    }
}
