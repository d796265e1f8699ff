namespace FastSmtp.EndToEnd;

/// <summary>SIGTERM: stop accepting, finish what is in flight, exit 0.</summary>
public class LifecycleTests
{
    [Fact]
    public async Task Sigterm_finishes_the_message_in_flight_then_exits_0()
    {
        await using ServerProcess server = await ServerProcess.StartAsync();
        await using RawSmtpClient sending = await RawSmtpClient.ConnectAsync(server.Port);
        await using RawSmtpClient idle = await RawSmtpClient.ConnectAsync(server.Port);
        await idle.ReadReplyAsync();
        await sending.ReadReplyAsync();
        await sending.SendAsync("EHLO c.example\r\nMAIL FROM:<inflight@a.example>\r\nRCPT TO:<postmaster@localhost>\r\nDATA\r\nSubject: in flight\r\n\r\n");
        await sending.ReadRepliesAsync(4);

        Task<int> exit = server.TerminateAsync();
        Assert.StartsWith("421 4.3.2 ", await idle.ReadReplyAsync());
        await sending.SendAsync("finished after SIGTERM\r\n.\r\n");

        Assert.StartsWith("250 2.0.0 Ok: queued as", await sending.ReadReplyAsync());
        Assert.StartsWith("421 4.3.2 ", await sending.ReadReplyAsync());
        Assert.Equal(0, await exit);
        Assert.Contains(server.ReadSpool(), m => m.MailFrom == "inflight@a.example");
    }
}
