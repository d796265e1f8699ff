namespace FastSmtp.EndToEnd;

/// <summary>policies/strict (relay.txt: 127.0.0.1 only) with small per-client limits.</summary>
public sealed class ClientLimitFixture : ServerFixture
{
    protected override string? Policy => "strict";

    protected override string[] Arguments() =>
    [
        "--max-sessions-per-client", "2", "--max-connections-per-minute", "4", "--max-messages-per-minute", "2",
        "--max-recipients-per-minute", "3", "--min-data-rate", "1000", "--FastSmtp:MinDataRateGrace", "00:00:01",
    ];
}

/// <summary>
/// Per-client limits over real sockets. Each test connects from loopback addresses of its own
/// (127.0.1.x), so their counts never mix; 127.0.0.1 is in relay.txt and so exempt.
/// </summary>
public class ClientLimitTests(ClientLimitFixture fixture) : IClassFixture<ClientLimitFixture>
{
    private ServerProcess Server => fixture.Server;

    [Fact]
    public async Task A_third_session_from_one_address_is_refused_421_until_one_closes()
    {
        string address = RawSmtpClient.NextSourceAddress();
        RawSmtpClient first = await GreetedAsync(address);
        await using RawSmtpClient second = await GreetedAsync(address);

        await using (RawSmtpClient third = await RawSmtpClient.ConnectAsync(Server.Port, address))
        {
            Assert.Equal($"421 4.7.0 mail.e2e.test Error: too many connections from {address}\r\n", await third.ReadReplyAsync());
            Assert.Null(await third.ReadReplyAsync());
        }

        // Another address is not affected; and once one session ends, the address may open one again.
        await using RawSmtpClient other = await GreetedAsync(RawSmtpClient.NextSourceAddress());
        Assert.StartsWith("221", await first.CommandAsync("QUIT"));
        await first.DisposeAsync();
        await Server.WaitForOutputAsync($"Session from {address} ended: quit");
        await using RawSmtpClient again = await GreetedAsync(address);
        await Server.WaitForOutputAsync($"Limited {address}: session count or connection rate of {address} exceeded");
        await Server.WaitForOutputAsync($"NOQUEUE: reject: CONNECT from [{address}]: 421 4.7.0 mail.e2e.test Error: too many connections from {address}; from=<> to=<> helo=<> rule=--max-sessions-per-client, --max-connections-per-minute");
    }

    [Fact]
    public async Task A_fifth_connection_in_a_minute_is_refused_421_and_relay_clients_are_exempt()
    {
        string address = RawSmtpClient.NextSourceAddress();
        for (int i = 0; i < 4; i++)
        {
            await using RawSmtpClient client = await GreetedAsync(address);
            Assert.StartsWith("221", await client.CommandAsync("QUIT"));
        }

        await using (RawSmtpClient fifth = await RawSmtpClient.ConnectAsync(Server.Port, address))
        {
            Assert.Equal($"421 4.7.0 mail.e2e.test Error: too many connections from {address}\r\n", await fifth.ReadReplyAsync());
        }

        for (int i = 0; i < 6; i++)
        {
            await using RawSmtpClient trusted = await GreetedAsync("127.0.0.1");
            Assert.StartsWith("221", await trusted.CommandAsync("QUIT"));
        }
    }

    [Fact]
    public async Task A_third_message_in_a_minute_is_refused_450_and_the_session_goes_on()
    {
        await using RawSmtpClient client = await GreetedAsync(RawSmtpClient.NextSourceAddress());
        Assert.StartsWith("250", await client.CommandAsync("EHLO client.example"));
        for (int i = 0; i < 2; i++)
        {
            Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<a@client.example>"));
            Assert.StartsWith("250", await client.CommandAsync("RSET"));
        }

        Assert.Equal($"450 4.7.1 Error: too much mail from {client.LocalAddress}\r\n", await client.CommandAsync("MAIL FROM:<a@client.example>"));
        Assert.StartsWith("250", await client.CommandAsync("NOOP"));
        await Server.WaitForOutputAsync($"NOQUEUE: reject: MAIL from [{client.LocalAddress}]: 450 4.7.1 Error: too much mail from {client.LocalAddress}; from=<> to=<> helo=<client.example> rule=--max-messages-per-minute");
    }

    [Fact]
    public async Task A_fourth_recipient_in_a_minute_is_refused_450()
    {
        await using RawSmtpClient client = await GreetedAsync(RawSmtpClient.NextSourceAddress());
        Assert.StartsWith("250", await client.CommandAsync("EHLO client.example"));
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<a@client.example>"));
        Assert.Equal("250 2.1.5 Ok\r\n", await client.CommandAsync("RCPT TO:<fred@e2e.test>"));
        Assert.StartsWith("550", await client.CommandAsync("RCPT TO:<nobody@e2e.test>"));
        Assert.Equal("250 2.1.5 Ok\r\n", await client.CommandAsync("RCPT TO:<info@e2e.test>"));

        Assert.Equal($"450 4.7.1 Error: too many recipients from {client.LocalAddress}\r\n", await client.CommandAsync("RCPT TO:<fred@e2e.test>"));
        await Server.WaitForOutputAsync($"NOQUEUE: reject: RCPT from [{client.LocalAddress}]: 450 4.7.1 Error: too many recipients from {client.LocalAddress}; from=<a@client.example> to=<> helo=<client.example> rule=--max-recipients-per-minute");
    }

    [Fact]
    public async Task A_client_trickling_its_data_below_the_minimum_rate_is_told_421_and_closed()
    {
        await using RawSmtpClient client = await GreetedAsync(RawSmtpClient.NextSourceAddress());
        await client.SendAsync("EHLO client.example\r\nMAIL FROM:<a@client.example>\r\nRCPT TO:<fred@e2e.test>\r\nDATA\r\n");
        Assert.StartsWith("354", (await client.ReadRepliesAsync(4))[^1]);

        // 20 octets every 200 ms is 100 octets/s, a tenth of the minimum: each write is well
        // within the data timeout, so only the rate can end this. Bounded at 10 s.
        string? reply = null;
        var trickle = Task.Run(async () =>
        {
            for (int i = 0; i < 50; i++)
            {
                try
                {
                    await client.SendAsync("X-Slow: 12345678901\r\n");
                }
                catch (IOException)
                {
                    return;
                }

                await Task.Delay(200);
            }
        });
        reply = await client.ReadReplyAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("421 4.4.2 mail.e2e.test Error: data rate too low, closing transmission channel\r\n", reply);
        await Server.WaitForOutputAsync($"Session from {client.LocalAddress} ended: data rate too low");
        await trickle;
    }

    [Fact]
    public async Task A_client_sending_nothing_after_data_is_closed_after_the_grace_not_the_data_timeout()
    {
        await using RawSmtpClient client = await GreetedAsync(RawSmtpClient.NextSourceAddress());
        await client.SendAsync("EHLO client.example\r\nMAIL FROM:<a@client.example>\r\nRCPT TO:<fred@e2e.test>\r\nDATA\r\n");
        Assert.StartsWith("354", (await client.ReadRepliesAsync(4))[^1]);

        Assert.Equal("421 4.4.2 mail.e2e.test Error: data rate too low, closing transmission channel\r\n", await client.ReadReplyAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_message_sent_at_a_normal_pace_is_queued_under_the_same_limits()
    {
        await using RawSmtpClient client = await GreetedAsync(RawSmtpClient.NextSourceAddress());
        await client.SendAsync("EHLO client.example\r\nMAIL FROM:<a@client.example>\r\nRCPT TO:<fred@e2e.test>\r\nDATA\r\n");
        Assert.StartsWith("354", (await client.ReadRepliesAsync(4))[^1]);
        Assert.StartsWith("250 2.0.0 Ok: queued as ", await client.CommandAsync("Subject: paced\r\n\r\n" + new string('x', 5000) + "\r\n."));
    }

    private async Task<RawSmtpClient> GreetedAsync(string address)
    {
        RawSmtpClient client = await RawSmtpClient.ConnectAsync(Server.Port, address);
        string? greeting = await client.ReadReplyAsync();
        Assert.True(greeting?.StartsWith("220 ", StringComparison.Ordinal), $"greeting from {address}: {greeting ?? "(closed)"}");
        return client;
    }
}
