using System.Text;
using FastSmtp.Queue;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace FastSmtp.EndToEnd;

/// <summary>STARTTLS with a certificate made for the run.</summary>
public class StartTlsTests(TlsServerFixture fixture) : IClassFixture<TlsServerFixture>
{
    private readonly ServerProcess _server = fixture.Server;

    [Fact]
    public async Task MailKit_sends_over_starttls_and_the_message_says_ESMTPS()
    {
        using var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true };
        await client.ConnectAsync("127.0.0.1", _server.Port, SecureSocketOptions.StartTls);
        Assert.True(client.IsSecure);
        string queueId = (await client.SendAsync(MailKitTests.Message("a@a.example", "b@b.example", "over TLS"))).Split(' ')[^1];
        await client.DisconnectAsync(quit: true);

        SpooledMessage stored = Assert.Single(_server.ReadSpool(), m => m.QueueId.ToString() == queueId);
        Assert.Equal(MessageProtocol.Esmtps, stored.Protocol);
        Assert.Contains($"with ESMTPS id {queueId}", Encoding.UTF8.GetString(stored.Body));
    }

    [Fact]
    public async Task Starttls_is_offered_before_tls_and_not_after()
    {
        await using RawSmtpClient client = await RawSmtpClient.ConnectAsync(_server.Port);
        await client.ReadReplyAsync();
        Assert.Contains("250-STARTTLS\r\n", await client.CommandAsync("EHLO c.example"));
        Assert.Equal("220 2.0.0 Ready to start TLS\r\n", await client.CommandAsync("STARTTLS"));
        await client.UpgradeToTlsAsync();

        Assert.DoesNotContain("STARTTLS", await client.CommandAsync("EHLO c.example"));
        Assert.Equal("503 5.5.1 Error: TLS already active\r\n", await client.CommandAsync("STARTTLS"));
    }

    [Fact]
    public async Task Plain_text_sent_after_starttls_is_discarded_not_executed_inside_tls()
    {
        await using RawSmtpClient client = await RawSmtpClient.ConnectAsync(_server.Port);
        await client.ReadReplyAsync();
        await client.CommandAsync("EHLO c.example");

        // CVE-2011-0411: commands injected behind STARTTLS in the same packet.
        await client.SendAsync("STARTTLS\r\nEHLO evil.example\r\nMAIL FROM:<evil@x.example>\r\nRSET\r\n");
        Assert.Equal("220 2.0.0 Ready to start TLS\r\n", await client.ReadReplyAsync());
        Assert.Equal(string.Empty, client.Unread);
        await client.UpgradeToTlsAsync();

        // Inside TLS the session is new: no HELO, no MAIL, and no reply owed for the injected lines.
        Assert.Equal("503 5.5.1 Error: send HELO/EHLO first\r\n", await client.CommandAsync("RCPT TO:<postmaster@localhost>"));
        Assert.StartsWith("250-", await client.CommandAsync("EHLO c.example"));
        Assert.Equal("503 5.5.1 Error: need MAIL command\r\n", await client.CommandAsync("RCPT TO:<postmaster@localhost>"));
    }

    [Fact]
    public async Task A_failed_handshake_closes_only_that_connection()
    {
        await using (RawSmtpClient client = await RawSmtpClient.ConnectAsync(_server.Port))
        {
            await client.ReadReplyAsync();
            await client.CommandAsync("STARTTLS");
            await client.SendAsync("this is not a TLS client hello\r\n\r\n");
            Assert.Null(await client.ReadReplyAsync());
        }

        await using RawSmtpClient next = await RawSmtpClient.ConnectAsync(_server.Port);
        Assert.StartsWith("220 ", await next.ReadReplyAsync());
    }
}
