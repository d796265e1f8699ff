namespace FastSmtp.Tests.Session;

/// <summary>
/// A session answers with the policy it was given: each test compiles the rules it states and
/// runs a session under them, with no policy folder on disk.
/// </summary>
public class SessionPolicyTests
{
    [Fact]
    public async Task Vrfy_names_a_local_user_and_is_refused_when_disabled()
    {
        await using (var open = new SessionHarness(policy: TestPolicy.With(("users.txt", "fred@localhost -\n"))))
        {
            await open.GreetAsync();
            Assert.Equal("250 2.1.5 <fred@localhost>\r\n", await open.CommandAsync("VRFY <fred@localhost>"));
        }

        await using var closed = new SessionHarness(policy: TestPolicy.With(("users.txt", "fred@localhost -\n"), ("smtp.conf", "disable-vrfy = yes\n")));
        await closed.GreetAsync();
        Assert.Equal("502 5.5.1 Command not implemented\r\n", await closed.CommandAsync("VRFY <fred@localhost>"));
    }

    [Fact]
    public async Task Expn_lists_a_group_only_where_the_policy_lets_outsiders_see_groups()
    {
        const string Group = "staff@localhost: fred@localhost, ann@partner.example\n";
        await using (var closed = new SessionHarness(clientAddress: "192.0.2.9", policy: TestPolicy.With(("groups.txt", Group))))
        {
            await closed.GreetAsync();
            Assert.Equal("550 5.7.1 lists are confidential\r\n", await closed.CommandAsync("EXPN staff@localhost"));
        }

        await using var open = new SessionHarness(clientAddress: "192.0.2.9", policy: TestPolicy.With(("groups.txt", Group), ("smtp.conf", "allow-remote-view-of-groups = yes\n")));
        await open.GreetAsync();
        Assert.Equal("250-2.1.5 <fred@localhost>\r\n250 2.1.5 <ann@partner.example>\r\n", await open.CommandAsync("EXPN staff@localhost"));
    }

    [Fact]
    public async Task Kill_lst_refuses_the_sender_at_mail()
    {
        await using var session = new SessionHarness(policy: TestPolicy.With(("kill.lst", "@*spam.example\n")));
        await session.GreetAsync();

        Assert.Equal("501 5.7.1 unacceptable mail address\r\n", await session.CommandAsync("MAIL FROM:<x@very.spam.example>"));
        Assert.Equal("250 2.1.0 Ok\r\n", await session.CommandAsync("MAIL FROM:<x@ham.example>"));
    }

    [Fact]
    public async Task Check_valid_sender_refuses_a_null_sender_message_without_reply_to()
    {
        await using var session = new SessionHarness(policy: TestPolicy.With(("smtp.conf", "relay = addresses\ncheck-valid-sender = yes\n")));
        await session.GreetAsync();
        await session.SendAsync("MAIL FROM:<>\r\nRCPT TO:<postmaster@localhost>\r\nDATA\r\n");
        await session.ReadRepliesAsync(3);

        Assert.Equal("550 5.7.1 sender address must be user@host\r\n", await session.CommandAsync("Subject: no reply-to\r\n\r\nbody\r\n."));
        await session.SendAsync("MAIL FROM:<>\r\nRCPT TO:<postmaster@localhost>\r\nDATA\r\n");
        await session.ReadRepliesAsync(3);
        Assert.StartsWith("250 2.0.0 Ok: queued as", await session.CommandAsync("Reply-To: Fred <fred@example.org>\r\nSubject: answerable\r\n\r\nbody\r\n."));
        Assert.Single(session.Store.Messages);
    }

    [Fact]
    public async Task Relay_none_refuses_even_a_loopback_client()
    {
        await using var session = new SessionHarness(policy: TestPolicy.With(("smtp.conf", "relay = none\n")));
        await session.GreetAsync();
        await session.CommandAsync("MAIL FROM:<a@b.example>");

        Assert.Equal("550 5.7.1 unknown local host d.example, not a gateway\r\n", await session.CommandAsync("RCPT TO:<c@d.example>"));
        Assert.Equal("250 2.1.5 Ok\r\n", await session.CommandAsync("RCPT TO:<postmaster@localhost>"));
    }

    [Fact]
    public async Task A_client_in_deny_txt_is_refused_at_connect()
    {
        await using var session = new SessionHarness(clientAddress: "203.0.113.7", policy: TestPolicy.With(("deny.txt", "203.0.113.0/24\n")));

        Assert.Equal("554 5.7.1 access denied\r\n", await session.ReadReplyAsync());
        await session.Run.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
