namespace FastSmtp.EndToEnd;

/// <summary>Limits set by flags, on a server of their own.</summary>
public class LimitTests
{
    [Fact]
    public async Task Connections_past_max_connections_get_421_and_the_first_is_served()
    {
        await using ServerProcess server = await ServerProcess.StartAsync("--max-connections", "1");
        await using RawSmtpClient first = await RawSmtpClient.ConnectAsync(server.Port);
        Assert.StartsWith("220 ", await first.ReadReplyAsync());

        await using (RawSmtpClient second = await RawSmtpClient.ConnectAsync(server.Port))
        {
            Assert.Equal("421 4.7.0 localhost Error: too many connections\r\n", await second.ReadReplyAsync());
            Assert.Null(await second.ReadReplyAsync());
        }

        Assert.Equal("250 2.0.0 Ok\r\n", await first.CommandAsync("NOOP"));
    }

    [Fact]
    public async Task Flags_set_the_size_and_recipient_limits_and_the_hostname()
    {
        await using ServerProcess server = await ServerProcess.StartAsync("--max-message-size", "100", "--max-recipients", "1", "--hostname", "relay.example.test");
        await using RawSmtpClient client = await RawSmtpClient.ConnectAsync(server.Port);

        Assert.Equal("220 relay.example.test ESMTP FastSmtp\r\n", await client.ReadReplyAsync());
        Assert.Contains("250-SIZE 100\r\n", await client.CommandAsync("EHLO c.example"));
        Assert.Equal("552 5.3.4 message size exceeds limit\r\n", await client.CommandAsync("MAIL FROM:<a@a.example> SIZE=101"));
        await client.SendAsync("MAIL FROM:<a@a.example>\r\nRCPT TO:<postmaster@localhost>\r\nRCPT TO:<postmaster@localhost>\r\nDATA\r\n");
        List<string> replies = await client.ReadRepliesAsync(4);
        Assert.Equal("452 4.5.3 too many recipients\r\n", replies[2]);
        await client.SendAsync(new string('x', 200) + "\r\n.\r\n");
        Assert.Equal("552 5.3.4 message size exceeds limit\r\n", await client.ReadReplyAsync());
    }

    [Fact]
    public async Task Environment_variables_set_options_too()
    {
        await using ServerProcess server = await ServerProcess.StartWithEnvironmentAsync(new Dictionary<string, string> { ["FASTSMTP_HOSTNAME"] = "env.example.test" });
        await using RawSmtpClient client = await RawSmtpClient.ConnectAsync(server.Port);

        Assert.Equal("220 env.example.test ESMTP FastSmtp\r\n", await client.ReadReplyAsync());
    }

    [Fact]
    public async Task A_bad_listen_address_is_a_clear_error()
    {
        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(() => ServerProcess.StartAsync("--listen", "nowhere"));

        Assert.Contains("'nowhere' is not ADDR:PORT", error.Message);
    }
}
