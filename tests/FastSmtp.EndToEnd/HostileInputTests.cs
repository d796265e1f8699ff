using System.Text;

namespace FastSmtp.EndToEnd;

/// <summary>What a mail library would never send, over a real socket to the real server.</summary>
public class HostileInputTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly ServerProcess _server = fixture.Server;

    [Fact]
    public async Task A_pipelined_group_in_one_write_is_answered_in_order()
    {
        await using RawSmtpClient client = await RawSmtpClient.ConnectAsync(_server.Port);
        await client.ReadReplyAsync();

        await client.SendAsync("EHLO c.example\r\nMAIL FROM:<a@a.example>\r\nRCPT TO:<postmaster@localhost>\r\nRCPT TO:<postmaster@localhost>\r\nDATA\r\n");
        List<string> replies = await client.ReadRepliesAsync(5);
        await client.SendAsync("Subject: pipelined\r\n\r\nx\r\n.\r\nQUIT\r\n");
        List<string> end = await client.ReadRepliesAsync(2);

        Assert.StartsWith("250-", replies[0]);
        Assert.Equal(["250 2.1.0 Ok\r\n", "250 2.1.5 Ok\r\n", "250 2.1.5 Ok\r\n", "354 End data with <CR><LF>.<CR><LF>\r\n"], replies[1..]);
        Assert.StartsWith("250 2.0.0 Ok: queued as ", end[0]);
        Assert.Equal("221 2.0.0 Bye\r\n", end[1]);
    }

    [Fact]
    public async Task Commands_split_into_single_byte_writes_work()
    {
        await using RawSmtpClient client = await RawSmtpClient.ConnectAsync(_server.Port);
        await client.ReadReplyAsync();

        foreach (byte b in "EHLO split.example\r\nMAIL FROM:<a@a.example>\r\n"u8.ToArray())
        {
            await client.SendAsync([b]);
            await Task.Delay(2);
        }

        List<string> replies = await client.ReadRepliesAsync(2);
        Assert.StartsWith("250-", replies[0]);
        Assert.Equal("250 2.1.0 Ok\r\n", replies[1]);
    }

    [Fact]
    public async Task Lines_of_511_and_512_octets_are_commands()
    {
        await using RawSmtpClient client = await RawSmtpClient.ConnectAsync(_server.Port);
        await client.ReadReplyAsync();

        Assert.Equal("250 2.0.0 Ok\r\n", await client.CommandAsync("NOOP " + new string('x', 511 - 7)));
        Assert.Equal("250 2.0.0 Ok\r\n", await client.CommandAsync("NOOP " + new string('x', 512 - 7)));
        Assert.Equal("250 2.0.0 Ok\r\n", await client.CommandAsync("NOOP"));
    }

    [Fact]
    public async Task A_513_octet_line_is_too_long_and_auto_denies_that_address_only()
    {
        string address = RawSmtpClient.NextSourceAddress();
        await using (RawSmtpClient client = await RawSmtpClient.ConnectAsync(_server.Port, address))
        {
            await client.ReadReplyAsync();
            Assert.Equal("500 5.5.2 line too long\r\n", await client.CommandAsync("NOOP " + new string('x', 513 - 7)));
            Assert.Null(await client.ReadReplyAsync());
        }

        await using (RawSmtpClient again = await RawSmtpClient.ConnectAsync(_server.Port, address))
        {
            Assert.Equal("554 5.7.1 access denied\r\n", await again.ReadReplyAsync());
            Assert.Null(await again.ReadReplyAsync());
        }

        await using RawSmtpClient other = await RawSmtpClient.ConnectAsync(_server.Port);
        Assert.StartsWith("220 ", await other.ReadReplyAsync());
        await _server.WaitForOutputAsync($"Auto-denied {address} until restart");
    }

    [Fact]
    public async Task A_megabyte_line_gets_one_reply_and_the_connection_is_closed()
    {
        await using RawSmtpClient client = await RawSmtpClient.ConnectAsync(_server.Port);
        await client.ReadReplyAsync();

        try
        {
            await client.SendAsync(Encoding.ASCII.GetBytes(new string('A', 1024 * 1024) + "\r\nNOOP\r\n"));
        }
        catch (IOException)
        {
            // The server may close while the megabyte is still in flight.
        }

        Assert.Equal("500 5.5.2 line too long\r\n", await client.ReadReplyAsync());
        Assert.Null(await client.ReadReplyAsync());
    }

    [Theory]
    [InlineData("Subject: bare LF\r\n\r\nline\nline\r\n.\r\n")]
    [InlineData("Subject: bare CR\r\n\r\nline\rline\r\n.\r\n")]
    public async Task A_message_with_a_bare_line_ending_is_refused_and_never_spooled(string content)
    {
        await using RawSmtpClient client = await RawSmtpClient.ConnectAsync(_server.Port);
        await client.ReadReplyAsync();
        await client.SendAsync("EHLO c.example\r\nMAIL FROM:<bare@a.example>\r\nRCPT TO:<postmaster@localhost>\r\nDATA\r\n");
        await client.ReadRepliesAsync(4);

        await client.SendAsync(content);

        Assert.StartsWith("550 5.6.0 ", await client.ReadReplyAsync());
        Assert.DoesNotContain(_server.ReadSpool(), m => m.MailFrom == "bare@a.example");
    }

    [Fact]
    public async Task A_smuggled_second_message_is_not_accepted()
    {
        await using RawSmtpClient client = await RawSmtpClient.ConnectAsync(_server.Port);
        await client.ReadReplyAsync();
        await client.SendAsync("EHLO c.example\r\nMAIL FROM:<outer@a.example>\r\nRCPT TO:<postmaster@localhost>\r\nDATA\r\n");
        await client.ReadRepliesAsync(4);

        // <LF>.<CRLF> must not end the data: what follows is message content, not commands.
        await client.SendAsync(
            "Subject: outer\r\n\r\nx\n.\r\nMAIL FROM:<smuggled@evil.example>\r\nRCPT TO:<postmaster@localhost>\r\nDATA\r\nSubject: smuggled\r\n\r\ny\r\n.\r\nNOOP\r\n");

        Assert.StartsWith("550 5.6.0 ", await client.ReadReplyAsync());
        Assert.Equal("250 2.0.0 Ok\r\n", await client.ReadReplyAsync());
        Assert.DoesNotContain(_server.ReadSpool(), m => m.MailFrom is "smuggled@evil.example" or "outer@a.example");
    }

    [Fact]
    public async Task Binary_garbage_gets_5xx_and_the_server_keeps_serving()
    {
        await using (RawSmtpClient client = await RawSmtpClient.ConnectAsync(_server.Port))
        {
            await client.ReadReplyAsync();
            byte[] garbage = new byte[400];
            new Random(1).NextBytes(garbage);
            garbage = garbage.Where(b => b is not (byte)'\n' and not (byte)'\r').ToArray();
            await client.SendAsync([.. garbage, (byte)'\r', (byte)'\n', 0, 1, 2, 0xFF, (byte)'\r', (byte)'\n']);

            Assert.Equal(["500 5.5.2 Error: command not recognized\r\n", "500 5.5.2 Error: command not recognized\r\n"], await client.ReadRepliesAsync(2));
            Assert.Equal("250 2.0.0 Ok\r\n", await client.CommandAsync("NOOP"));
        }

        await using RawSmtpClient next = await RawSmtpClient.ConnectAsync(_server.Port);
        Assert.StartsWith("220 ", await next.ReadReplyAsync());
    }

    [Fact]
    public async Task A_client_vanishing_mid_data_leaves_no_partial_message()
    {
        string address = RawSmtpClient.NextSourceAddress();
        await using (RawSmtpClient client = await RawSmtpClient.ConnectAsync(_server.Port, address))
        {
            await client.ReadReplyAsync();
            await client.SendAsync("EHLO c.example\r\nMAIL FROM:<vanished@a.example>\r\nRCPT TO:<postmaster@localhost>\r\nDATA\r\n");
            await client.ReadRepliesAsync(4);
            await client.SendAsync("Subject: half\r\n\r\n" + new string('x', 300_000));
        }

        // The body had spilled to a data file; it is gone once the server has ended that session.
        await _server.WaitForOutputAsync($"Session from {address} ended: client vanished mid-transaction");
        await using RawSmtpClient next = await RawSmtpClient.ConnectAsync(_server.Port);
        Assert.StartsWith("220 ", await next.ReadReplyAsync());
        Assert.Equal("250 2.0.0 Ok\r\n", await next.CommandAsync("NOOP"));
        Assert.DoesNotContain(_server.ReadSpool(), m => m.MailFrom == "vanished@a.example");
        Assert.Empty(Directory.GetFiles(Path.Combine(_server.Spool, "data")));
    }

    [Fact]
    public async Task A_bdat_chunk_holding_commands_is_data_not_commands()
    {
        await using RawSmtpClient client = await RawSmtpClient.ConnectAsync(_server.Port);
        await client.ReadReplyAsync();
        const string chunk = "QUIT\r\nMAIL FROM:<x@x.example>\r\n";

        await client.SendAsync($"EHLO c.example\r\nBDAT {chunk.Length} LAST\r\n{chunk}NOOP\r\n");
        List<string> replies = await client.ReadRepliesAsync(3);

        Assert.Equal("503 5.5.1 Error: need MAIL command\r\n", replies[1]);
        Assert.Equal("250 2.0.0 Ok\r\n", replies[2]);
    }
}
