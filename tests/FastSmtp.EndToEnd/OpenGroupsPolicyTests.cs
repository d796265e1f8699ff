using System.Net;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace FastSmtp.EndToEnd;

/// <summary>
/// The security model against policies/open-groups: disable-vrfy = no,
/// allow-remote-view-of-groups = no, allow-remote-mail-to-groups = yes, check-valid-sender = yes;
/// AUTH through MailKit.
/// </summary>
public class OpenGroupsPolicyTests(OpenGroupsPolicyFixture fixture) : IClassFixture<OpenGroupsPolicyFixture>
{
    private readonly ServerProcess _server = fixture.Server;

    [Fact]
    public async Task MailKit_authenticates_and_an_outsider_may_then_relay()
    {
        using var client = new SmtpClient { LocalEndPoint = new IPEndPoint(IPAddress.Parse(RawSmtpClient.NextSourceAddress()), 0) };
        await client.ConnectAsync("127.0.0.1", _server.Port, SecureSocketOptions.None);
        Assert.True(client.AuthenticationMechanisms.SetEquals(["PLAIN", "LOGIN"]));

        await client.AuthenticateAsync("fred@mail.e2e.test", "correct horse battery");
        string response = await client.SendAsync(MailKitTests.Message("fred@mail.e2e.test", "u@remote.example", "relayed after AUTH"));
        await client.DisconnectAsync(quit: true);

        string queueId = response.Split(' ')[^1];
        var stored = Assert.Single(_server.ReadSpool(), m => m.QueueId.ToString() == queueId);
        Assert.Equal(FastSmtp.Queue.MessageProtocol.Esmtpa, stored.Protocol);
    }

    [Fact]
    public async Task MailKit_gets_535_for_a_wrong_password_and_failures_are_counted_per_address()
    {
        // The delay growing with the count is unit-tested (AuthFailureThrottle); here, the count.
        string address = RawSmtpClient.NextSourceAddress();
        for (int attempt = 0; attempt < 2; attempt++)
        {
            using var client = new SmtpClient { LocalEndPoint = new IPEndPoint(IPAddress.Parse(address), 0) };
            await client.ConnectAsync("127.0.0.1", _server.Port, SecureSocketOptions.None);
            var error = await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync("fred@mail.e2e.test", "not the password"));
            Assert.Contains("authentication failed", error.Message);
        }

        await _server.WaitForOutputAsync($"AUTH failed for {address} (2 failures from this address)");
    }

    [Fact]
    public async Task A_second_auth_gets_503()
    {
        await using RawSmtpClient client = await Greeted();

        Assert.Equal("235 2.7.0 Authentication successful\r\n", await client.CommandAsync("AUTH PLAIN " + StrictPolicyTests.Plain("fred@e2e.test", "correct horse battery")));
        Assert.Equal("503 5.5.1 Error: already authenticated\r\n", await client.CommandAsync("AUTH PLAIN " + StrictPolicyTests.Plain("fred@e2e.test", "correct horse battery")));
    }

    [Fact]
    public async Task An_account_without_a_hash_cannot_authenticate()
    {
        await using RawSmtpClient client = await Greeted();

        Assert.Equal("535 5.7.8 authentication failed\r\n", await client.CommandAsync("AUTH PLAIN " + StrictPolicyTests.Plain("nopass@mail.e2e.test", "-")));
    }

    [Fact]
    public async Task An_auth_line_of_12288_octets_is_read_and_a_longer_one_never_auto_denies()
    {
        string address = RawSmtpClient.NextSourceAddress();
        await using (RawSmtpClient client = await RawSmtpClient.ConnectAsync(_server.Port, address))
        {
            await client.ReadReplyAsync();
            await client.CommandAsync("EHLO c.example");
            Assert.Equal("334 \r\n", await client.CommandAsync("AUTH PLAIN"));
            // 12286 characters and CRLF: exactly 12288 octets, read whole (and not valid base64).
            Assert.Equal("501 5.5.2 Error: cannot decode response\r\n", await client.CommandAsync(new string('A', 12285) + "="));
            Assert.Equal("334 \r\n", await client.CommandAsync("AUTH PLAIN"));
            Assert.Equal("500 5.5.6 Error: authentication line too long\r\n", await client.CommandAsync(new string('A', 20000)));
            Assert.Equal("250 2.0.0 Ok\r\n", await client.CommandAsync("NOOP"));
        }

        await using RawSmtpClient again = await RawSmtpClient.ConnectAsync(_server.Port, address);
        Assert.StartsWith("220 ", await again.ReadReplyAsync());
    }

    [Fact]
    public async Task Vrfy_verifies_local_users_when_enabled()
    {
        await using RawSmtpClient client = await Greeted();

        Assert.Equal("250 2.1.5 <fred@e2e.test>\r\n", await client.CommandAsync("VRFY fred@e2e.test"));
        Assert.Equal("250 2.1.5 <fred>\r\n", await client.CommandAsync("VRFY fred"));
        Assert.Equal("550 5.1.1 <nobody@e2e.test>: user unknown\r\n", await client.CommandAsync("VRFY <nobody@e2e.test>"));
        Assert.StartsWith("252 ", await client.CommandAsync("VRFY someone@remote.example"));
    }

    [Fact]
    public async Task Expn_of_a_group_is_confidential_to_remote_clients_but_not_after_auth()
    {
        await using RawSmtpClient client = await Greeted();

        Assert.Equal("550 5.7.1 lists are confidential\r\n", await client.CommandAsync("EXPN staff@mail.e2e.test"));
        await client.CommandAsync("AUTH PLAIN " + StrictPolicyTests.Plain("fred@e2e.test", "correct horse battery"));
        Assert.Equal("250-2.1.5 <fred@mail.e2e.test>\r\n250 2.1.5 <ann@partner.example>\r\n", await client.CommandAsync("EXPN staff@mail.e2e.test"));
    }

    [Fact]
    public async Task Remote_mail_to_a_group_is_accepted_when_allowed()
    {
        await using RawSmtpClient client = await Greeted();
        await client.CommandAsync("MAIL FROM:<a@x.example>");

        Assert.Equal("250 2.1.5 Ok\r\n", await client.CommandAsync("RCPT TO:<staff@e2e.test>"));
    }

    [Theory]
    [InlineData("Subject: no reply-to\r\n\r\nbody\r\n.\r\n", "550 5.7.1 sender address must be user@host\r\n")]
    [InlineData("Reply-To: nobody\r\nSubject: bad reply-to\r\n\r\nbody\r\n.\r\n", "550 5.7.1 sender address must be user@host\r\n")]
    [InlineData("Subject: folded\r\nReply-To: Fred\r\n <fred@partner.example>\r\n\r\nbody\r\n.\r\n", "250 2.0.0 Ok: queued as ")]
    [InlineData("Reply-To: fred@partner.example\r\n\r\nbody\r\n.\r\n", "250 2.0.0 Ok: queued as ")]
    [InlineData("Reply-To: \"a@b\" <>\r\n\r\nbody\r\n.\r\n", "550 5.7.1 sender address must be user@host\r\n")]
    [InlineData("Reply-To: (a@b) nobody\r\n\r\nbody\r\n.\r\n", "550 5.7.1 sender address must be user@host\r\n")]
    [InlineData("Reply-To:\r\n fred@partner.example\r\n\r\nbody\r\n.\r\n", "250 2.0.0 Ok: queued as ")]
    public async Task Check_valid_sender_wants_a_reply_to_when_mail_from_is_empty(string message, string reply)
    {
        await using RawSmtpClient client = await Greeted();
        await client.SendAsync("MAIL FROM:<>\r\nRCPT TO:<fred@e2e.test>\r\nDATA\r\n");
        Assert.Equal("354 End data with <CR><LF>.<CR><LF>\r\n", (await client.ReadRepliesAsync(3))[2]);

        await client.SendAsync(message);

        Assert.StartsWith(reply, await client.ReadReplyAsync());
    }

    private async Task<RawSmtpClient> Greeted()
    {
        RawSmtpClient client = await RawSmtpClient.ConnectAsync(_server.Port);
        Assert.StartsWith("220 ", await client.ReadReplyAsync());
        Assert.EndsWith("250 AUTH PLAIN LOGIN\r\n", await client.CommandAsync("EHLO c.example"));
        return client;
    }
}
