using System.Text;
using FastSmtp.Queue;

namespace FastSmtp.Tests.Session;

public class SmtpSessionTests
{
    [Fact]
    public async Task Greets_and_advertises_the_extensions_after_ehlo()
    {
        await using var session = new SessionHarness();

        Assert.Equal("220 mx.test ESMTP FastSmtp\r\n", await session.ReadReplyAsync());
        string ehlo = await session.CommandAsync("EHLO client.example");

        Assert.Equal(
            "250-mx.test\r\n250-PIPELINING\r\n250-SIZE 26214400\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250-ENHANCEDSTATUSCODES\r\n250-CHUNKING\r\n250-DSN\r\n250 AUTH PLAIN LOGIN\r\n",
            ehlo);
        Assert.DoesNotContain("STARTTLS", ehlo);
        Assert.Equal("250 mx.test\r\n", await session.CommandAsync("HELO client.example"));
    }

    [Fact]
    public async Task Accepts_a_message_and_stores_it_with_a_received_header()
    {
        await using var session = new SessionHarness();
        await session.GreetAsync();

        await session.SendAsync("MAIL FROM:<fred@widget.com>\r\nRCPT TO:<bob@foo.example>\r\nDATA\r\n");
        Assert.Equal(["250 2.1.0 Ok\r\n", "250 2.1.5 Ok\r\n", "354 End data with <CR><LF>.<CR><LF>\r\n"], await session.ReadRepliesAsync(3));
        await session.SendAsync("Subject: test\r\n\r\n..stuffed\r\nbody\r\n.\r\n");
        string queued = (await session.ReadReplyAsync())!;

        Assert.StartsWith("250 2.0.0 Ok: queued as ", queued);
        var stored = Assert.Single(session.Store.Messages);
        Assert.Equal(queued[24..^2], stored.Id.ToString());
        Assert.Equal("fred@widget.com", stored.From);
        Assert.Equal(["bob@foo.example"], stored.Recipients);
        string body = Encoding.UTF8.GetString(stored.Body);
        Assert.Matches(
            $@"^Received: from client\.example \(\[127\.0\.0\.1\]\)\r\n\tby mx\.test \(FastSmtp\) with ESMTP id {stored.Id}\r\n\tfor <bob@foo\.example>;\r\n\t\w{{3}}, \d\d \w{{3}} \d{{4}} \d\d:\d\d:\d\d \+0000\r\n",
            body);
        Assert.EndsWith("\r\nSubject: test\r\n\r\n.stuffed\r\nbody\r\n", body);
    }

    [Theory]
    [InlineData("::ffff:198.51.100.4", "([198.51.100.4])")]
    [InlineData("2001:db8::25", "([IPv6:2001:db8::25])")]
    public async Task The_received_header_names_the_client_address_as_an_address_literal(string clientAddress, string expected)
    {
        await using var session = new SessionHarness(clientAddress: clientAddress);
        await session.GreetAsync();
        await session.SendAsync("MAIL FROM:<a@b.example>\r\nRCPT TO:<postmaster@localhost>\r\nDATA\r\nx\r\n.\r\n");
        await session.ReadRepliesAsync(4);

        string body = Encoding.ASCII.GetString(Assert.Single(session.Store.Messages).Body);
        Assert.StartsWith($"Received: from client.example {expected}\r\n", body);
    }

    [Fact]
    public async Task Auth_is_neither_offered_nor_accepted_off_loopback_without_tls()
    {
        await using var session = new SessionHarness(clientAddress: "192.0.2.7");
        Assert.StartsWith("220", await session.ReadReplyAsync());

        Assert.DoesNotContain("AUTH", await session.CommandAsync("EHLO c.example"));
        Assert.Equal("538 5.7.11 Encryption required for requested authentication mechanism\r\n", await session.CommandAsync("AUTH PLAIN"));
    }

    [Fact]
    public async Task An_outside_client_may_not_relay_under_the_default_policy()
    {
        await using var session = new SessionHarness(clientAddress: "192.0.2.7");
        await session.GreetAsync();
        await session.CommandAsync("MAIL FROM:<a@b.example>");

        Assert.Equal("550 5.7.1 unknown local host d.example, not a gateway\r\n", await session.CommandAsync("RCPT TO:<c@d.example>"));
        Assert.Equal("250 2.1.5 Ok\r\n", await session.CommandAsync("RCPT TO:<postmaster@localhost>"));
    }

    [Fact]
    public async Task A_pipelined_group_is_answered_in_one_flush()
    {
        await using var session = new SessionHarness();
        Assert.StartsWith("220", await session.ReadReplyAsync());
        int flushesBefore = session.Output.Flushes;

        await session.SendAsync("EHLO c.example\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nRCPT TO:<e@f.example>\r\nDATA\r\n");
        List<string> replies = await session.ReadRepliesAsync(5);

        Assert.StartsWith("250-mx.test", replies[0]);
        Assert.Equal("354 End data with <CR><LF>.<CR><LF>\r\n", replies[4]);
        Assert.Equal(flushesBefore + 1, session.Output.Flushes);
    }

    [Theory]
    [InlineData("MAIL FROM:<a@b.example>", "503 5.5.1 Error: send HELO/EHLO first")]
    [InlineData("RCPT TO:<a@b.example>", "503 5.5.1 Error: send HELO/EHLO first")]
    [InlineData("DATA", "503 5.5.1 Error: send HELO/EHLO first")]
    [InlineData("EHLO", "501 5.5.4 Syntax: EHLO hostname")]
    [InlineData("HELO", "501 5.5.4 Syntax: HELO hostname")]
    [InlineData("FOO bar", "500 5.5.2 Error: command not recognized")]
    [InlineData("STARTTLS", "502 5.5.1 Error: command not implemented")]
    [InlineData("VRFY", "501 5.5.4 Syntax: VRFY address")]
    [InlineData("EXPN", "501 5.5.4 Syntax: EXPN list")]
    [InlineData("NOOP", "250 2.0.0 Ok")]
    [InlineData("RSET", "250 2.0.0 Ok")]
    [InlineData("RSET now", "501 5.5.4 Syntax: RSET")]
    [InlineData("HELP", "214 2.0.0 Commands: HELO EHLO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY EXPN HELP STARTTLS AUTH")]
    public async Task Answers_before_helo(string command, string reply)
    {
        await using var session = new SessionHarness();
        Assert.StartsWith("220", await session.ReadReplyAsync());

        Assert.Equal(reply + "\r\n", await session.CommandAsync(command));
    }

    [Theory]
    [InlineData("RCPT TO:<a@b.example>", "503 5.5.1 Error: need MAIL command")]
    [InlineData("DATA", "503 5.5.1 Error: need MAIL command")]
    [InlineData("DATA now", "501 5.5.4 Syntax: DATA")]
    [InlineData("MAIL <a@b.example>", "501 5.5.4 Syntax: MAIL FROM:<address>")]
    [InlineData("MAIL FROM:<not an address>", "501 5.1.7 Bad sender address syntax")]
    [InlineData("MAIL FROM:<a@b.example> SIZE=26214401", "552 5.3.4 message size exceeds limit")]
    [InlineData("MAIL FROM:<a@b.example> SIZE=abc", "501 5.5.4 Error: bad MAIL/RCPT parameter value")]
    [InlineData("MAIL FROM:<a@b.example> BODY=BINARYMIME", "501 5.5.4 Error: bad MAIL/RCPT parameter value")]
    [InlineData("MAIL FROM:<a@b.example> XFORWARD=1", "555 5.5.4 Error: unsupported MAIL/RCPT parameter")]
    [InlineData("MAIL FROM:<jörg@b.example>", "553 5.6.7 Error: non-ASCII address needs the SMTPUTF8 parameter")]
    [InlineData("MAIL FROM:<jörg@b.example> SMTPUTF8", "250 2.1.0 Ok")]
    [InlineData("MAIL FROM:<a@b.example> SIZE=1000 BODY=8BITMIME RET=HDRS ENVID=QQ+2B1", "250 2.1.0 Ok")]
    [InlineData("MAIL FROM:<>", "250 2.1.0 Ok")]
    [InlineData("VRFY fred", "550 5.1.1 <fred>: user unknown")]
    [InlineData("VRFY <nobody@localhost>", "550 5.1.1 <nobody@localhost>: user unknown")]
    [InlineData("VRFY someone@example.org", "252 2.0.0 Cannot VRFY user, but will accept message and attempt delivery")]
    [InlineData("EXPN staff", "550 5.1.1 Error: not a mailing list")]
    [InlineData("BDAT", "501 5.5.4 Syntax: BDAT chunk-size [LAST]")]
    [InlineData("BDAT 10 NOW", "501 5.5.4 Syntax: BDAT chunk-size [LAST]")]
    [InlineData("AUTH CRAM-MD5", "504 5.5.4 Unrecognized authentication type")]
    [InlineData("AUTH PLAIN AGFsaWNlAHdyb25n!", "501 5.5.2 Error: cannot decode response")]
    public async Task Answers_after_ehlo(string command, string reply)
    {
        await using var session = new SessionHarness();
        await session.GreetAsync();

        Assert.Equal(reply + "\r\n", await session.CommandAsync(command));
    }

    [Theory]
    [InlineData("MAIL FROM:<c@d.example>", "503 5.5.1 Error: nested MAIL command")]
    [InlineData("DATA", "554 5.5.1 Error: no valid recipients")]
    [InlineData("RCPT <c@d.example>", "501 5.5.4 Syntax: RCPT TO:<address>")]
    [InlineData("RCPT TO:<>", "501 5.1.3 Bad recipient address syntax")]
    [InlineData("RCPT TO:<c@d.example> NOTIFY=NEVER,SUCCESS", "501 5.5.4 Error: bad MAIL/RCPT parameter value")]
    [InlineData("RCPT TO:<c@d.example> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;c@d.example", "250 2.1.5 Ok")]
    [InlineData("RCPT TO:<postmaster>", "250 2.1.5 Ok")]
    [InlineData("RCPT TO:<@relay.example:c@d.example>", "250 2.1.5 Ok")]
    public async Task Answers_inside_a_transaction(string command, string reply)
    {
        await using var session = new SessionHarness();
        await session.GreetAsync();
        Assert.Equal("250 2.1.0 Ok\r\n", await session.CommandAsync("MAIL FROM:<a@b.example>"));

        Assert.Equal(reply + "\r\n", await session.CommandAsync(command));
    }

    [Fact]
    public async Task A_command_of_512_octets_is_served()
    {
        await using var session = new SessionHarness();
        await session.GreetAsync();

        Assert.Equal("250 2.0.0 Ok\r\n", await session.CommandAsync("NOOP " + new string('x', 512 - 7)));
        Assert.Equal("250 2.0.0 Ok\r\n", await session.CommandAsync("NOOP"));
    }

    [Fact]
    public async Task A_command_of_513_octets_is_too_long_and_auto_denies_the_client()
    {
        await using var session = new SessionHarness();
        await session.GreetAsync();

        Assert.Equal("500 5.5.2 line too long\r\n", await session.CommandAsync("NOOP " + new string('x', 513 - 7)));
        Assert.Null(await session.ReadReplyAsync());
        Assert.True(session.Server.AutoDeny.IsDenied(System.Net.IPAddress.Loopback));

        await using var again = new SessionHarness(server: session.Server);
        Assert.Equal("554 5.7.1 access denied\r\n", await again.ReadReplyAsync());
        Assert.Null(await again.ReadReplyAsync());

        await using var other = new SessionHarness(server: session.Server, clientAddress: "127.0.0.2");
        Assert.StartsWith("220 ", await other.ReadReplyAsync());
    }

    [Fact]
    public async Task A_megabyte_line_gets_one_refusal_and_is_never_buffered()
    {
        await using var session = new SessionHarness();
        await session.GreetAsync();

        byte[] chunk = Encoding.ASCII.GetBytes(new string('A', 64 * 1024));
        for (int i = 0; i < 16 && !session.Run.IsCompleted; i++)
        {
            await session.SendAsync(chunk);
        }

        Assert.Equal("500 5.5.2 line too long\r\n", await session.ReadReplyAsync());
        Assert.Null(await session.ReadReplyAsync());
    }

    [Fact]
    public async Task Too_many_recipients_get_452()
    {
        await using var session = new SessionHarness(o => o.MaxRecipients = 2);
        await session.GreetAsync();

        await session.SendAsync("MAIL FROM:<a@b.example>\r\nRCPT TO:<1@d.example>\r\nRCPT TO:<2@d.example>\r\nRCPT TO:<3@d.example>\r\n");

        Assert.Equal(["250 2.1.0 Ok\r\n", "250 2.1.5 Ok\r\n", "250 2.1.5 Ok\r\n", "452 4.5.3 too many recipients\r\n"], await session.ReadRepliesAsync(4));
    }

    [Fact]
    public async Task A_message_over_the_size_limit_is_refused_at_the_end_and_not_stored()
    {
        await using var session = new SessionHarness(o => o.MaxMessageSize = 1000);
        await session.GreetAsync();
        await session.SendAsync("MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n");
        await session.ReadRepliesAsync(3);

        for (int i = 0; i < 20; i++)
        {
            await session.SendAsync(new string('x', 98) + "\r\n");
        }

        await session.SendAsync(".\r\n");

        Assert.Equal("552 5.3.4 message size exceeds limit\r\n", await session.ReadReplyAsync());
        Assert.Empty(session.Store.Messages);
        Assert.Equal(0, session.Session.Message.Body.Length);
        Assert.Equal("250 2.1.0 Ok\r\n", await session.CommandAsync("MAIL FROM:<a@b.example>"));
    }

    [Theory]
    [InlineData("line one\nline two\r\n.\r\n", "550 5.6.0 message refused: bare <CR> or <LF> in message content\r\n")]
    [InlineData("line one\rline two\r\n.\r\n", "550 5.6.0 message refused: bare <CR> or <LF> in message content\r\n")]
    [InlineData("smuggle\n.\r\nMAIL FROM:<evil@x.example>\r\nRCPT TO:<victim@y.example>\r\nDATA\r\nevil\r\n.\r\n", "550 5.6.0 message refused: bare <CR> or <LF> in message content\r\n")]
    [InlineData("Subject: x\r\n\r\nnul\0here\r\n.\r\n", "550 5.6.0 message refused: NUL in message content\r\n")]
    public async Task A_message_with_a_bare_line_ending_or_a_nul_is_refused_and_not_stored(string content, string refusal)
    {
        await using var session = new SessionHarness();
        await session.GreetAsync();
        await session.SendAsync("MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n");
        await session.ReadRepliesAsync(3);

        await session.SendAsync(content);

        Assert.Equal(refusal, await session.ReadReplyAsync());
        Assert.Empty(session.Store.Messages);
        Assert.Equal("250 2.0.0 Ok\r\n", await session.CommandAsync("NOOP"));
    }

    [Fact]
    public async Task An_address_that_is_not_utf8_is_refused_even_with_smtputf8()
    {
        await using var session = new SessionHarness();
        await session.GreetAsync();

        await session.SendAsync([.. "MAIL FROM:<"u8, 0xFF, 0xFE, .. "@remote.test> SMTPUTF8\r\n"u8]);
        Assert.Equal("501 5.1.7 Bad sender address syntax\r\n", await session.ReadReplyAsync());
        await session.SendAsync("MAIL FROM:<a@b.example> SMTPUTF8\r\n");
        Assert.StartsWith("250", await session.ReadReplyAsync());
        await session.SendAsync([.. "RCPT TO:<c@d"u8, 0xC3, .. ".example>\r\n"u8]);
        Assert.Equal("501 5.1.3 Bad recipient address syntax\r\n", await session.ReadReplyAsync());
    }

    [Fact]
    public async Task A_helo_name_or_an_orcpt_type_that_is_not_utf8_or_not_an_atom_is_refused()
    {
        await using var session = new SessionHarness();
        await session.GreetAsync();

        await session.SendAsync([.. "EHLO a"u8, 0xFF, .. ".example\r\n"u8]);
        Assert.Equal("501 5.5.4 Syntax: EHLO hostname\r\n", await session.ReadReplyAsync());
        Assert.StartsWith("250", await session.CommandAsync("EHLO клиент.example"));
        Assert.StartsWith("250", await session.CommandAsync("MAIL FROM:<a@b.example>"));
        await session.SendAsync([.. "RCPT TO:<c@d.example> ORCPT=rfc"u8, 0xC3, 0xA9, .. ";c@d.example\r\n"u8]);
        Assert.Equal("501 5.5.4 Error: bad MAIL/RCPT parameter value\r\n", await session.ReadReplyAsync());
        Assert.StartsWith("250", await session.CommandAsync("RCPT TO:<c@d.example> ORCPT=rfc822;c@d.example"));
    }

    [Fact]
    public async Task Bdat_chunks_make_one_message()
    {
        await using var session = new SessionHarness();
        await session.GreetAsync();

        await session.SendAsync("MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nBDAT 12\r\nSubject: x");
        await session.SendAsync("\r\nBDAT 8 LAST\r\n\r\nbody\r\n");
        List<string> replies = await session.ReadRepliesAsync(4);

        Assert.Equal("250 2.0.0 12 octets received\r\n", replies[2]);
        Assert.StartsWith("250 2.0.0 Ok: queued as ", replies[3]);
        string body = Encoding.ASCII.GetString(Assert.Single(session.Store.Messages).Body);
        Assert.EndsWith("+0000\r\nSubject: x\r\n\r\nbody\r\n", body);
    }

    [Fact]
    public async Task A_refused_bdat_chunk_is_read_in_full_and_never_parsed_as_commands()
    {
        await using var session = new SessionHarness();
        await session.GreetAsync();

        await session.SendAsync("BDAT 6\r\nQUIT\r\nNOOP\r\n");

        Assert.Equal(["503 5.5.1 Error: need MAIL command\r\n", "250 2.0.0 Ok\r\n"], await session.ReadRepliesAsync(2));
    }

    [Fact]
    public async Task An_oversized_bdat_chunk_is_refused_and_the_transaction_ends()
    {
        await using var session = new SessionHarness(o => o.MaxMessageSize = 10);
        await session.GreetAsync();

        await session.SendAsync("MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nBDAT 13 LAST\r\nRCPT TO:<e>\r\nNOOP\r\n");

        Assert.Equal(
            ["250 2.1.0 Ok\r\n", "250 2.1.5 Ok\r\n", "552 5.3.4 message size exceeds limit\r\n", "250 2.0.0 Ok\r\n"],
            await session.ReadRepliesAsync(4));
        Assert.Empty(session.Store.Messages);
        Assert.Equal("503 5.5.1 Error: need MAIL command\r\n", await session.CommandAsync("RCPT TO:<c@d.example>"));
    }

    [Theory]
    [InlineData("a\nb\r\n", "550 5.6.0 message refused: bare <CR> or <LF> in message content\r\n")]
    [InlineData("a\0b\r\n", "550 5.6.0 message refused: NUL in message content\r\n")]
    public async Task Bdat_content_with_a_bare_line_feed_or_a_nul_is_refused(string chunk, string refusal)
    {
        await using var session = new SessionHarness();
        await session.GreetAsync();

        await session.SendAsync($"MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nBDAT {chunk.Length} LAST\r\n{chunk}");

        Assert.Equal(refusal, (await session.ReadRepliesAsync(3))[2]);
        Assert.Empty(session.Store.Messages);
    }

    [Fact]
    public async Task Data_cannot_follow_bdat_in_one_transaction()
    {
        await using var session = new SessionHarness();
        await session.GreetAsync();

        await session.SendAsync("MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nBDAT 3\r\nabcDATA\r\n");

        Assert.Equal("503 5.5.1 Error: DATA cannot follow BDAT in one transaction\r\n", (await session.ReadRepliesAsync(4))[3]);
    }

    [Fact]
    public async Task Rset_and_helo_end_the_transaction_and_a_second_message_starts_clean()
    {
        await using var session = new SessionHarness();
        await session.GreetAsync();

        await session.SendAsync("MAIL FROM:<a@b.example>\r\nRCPT TO:<old@d.example>\r\nRSET\r\nRCPT TO:<c@d.example>\r\n");
        Assert.Equal("503 5.5.1 Error: need MAIL command\r\n", (await session.ReadRepliesAsync(4))[3]);
        await session.SendAsync("MAIL FROM:<a@b.example>\r\nRCPT TO:<old@d.example>\r\nEHLO again.example\r\nRCPT TO:<c@d.example>\r\n");
        Assert.Equal("503 5.5.1 Error: need MAIL command\r\n", (await session.ReadRepliesAsync(4))[3]);

        for (int i = 0; i < 2; i++)
        {
            await session.SendAsync($"MAIL FROM:<a@b.example>\r\nRCPT TO:<m{i}@d.example>\r\nDATA\r\n");
            await session.ReadRepliesAsync(3);
            await session.SendAsync("x\r\n.\r\n");
            Assert.StartsWith("250 2.0.0 Ok: queued as", await session.ReadReplyAsync());
        }

        Assert.Equal([["m0@d.example"], ["m1@d.example"]], session.Store.Messages.Select(m => m.Recipients));
        Assert.NotEqual(session.Store.Messages[0].Id, session.Store.Messages[1].Id);
    }

    [Fact]
    public async Task Garbage_gets_5xx_replies_and_the_session_goes_on()
    {
        await using var session = new SessionHarness();
        await session.GreetAsync();
        var random = new Random(42);
        byte[] garbage = new byte[300];
        random.NextBytes(garbage);
        garbage = garbage.Where(b => b != (byte)'\n').ToArray();

        await session.SendAsync([.. garbage, (byte)'\r', (byte)'\n', .. "\x00\x01\x02\r\n"u8, .. "NOOP\r\n"u8]);
        List<string> replies = await session.ReadRepliesAsync(3);

        Assert.All(replies.Take(2), reply => Assert.StartsWith("500 ", reply));
        Assert.Equal("250 2.0.0 Ok\r\n", replies[2]);
    }

    [Fact]
    public async Task A_client_vanishing_mid_data_leaves_nothing_stored()
    {
        await using var session = new SessionHarness();
        await session.GreetAsync();
        await session.SendAsync("MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n");
        await session.ReadRepliesAsync(3);

        await session.SendAsync("Subject: half\r\n\r\nhalf a message");
        await session.CloseAsync();

        await session.Run.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Empty(session.Store.Messages);
        Assert.Equal(0, session.Session.Message.Body.Length);
    }

    [Fact]
    public async Task Too_many_errors_close_the_session()
    {
        await using var session = new SessionHarness(o => o.MaxCommandErrors = 3);
        Assert.StartsWith("220", await session.ReadReplyAsync());

        await session.SendAsync("X1\r\nX2\r\nX3\r\nNOOP\r\n");

        Assert.Equal(
            ["500 5.5.2 Error: command not recognized\r\n", "500 5.5.2 Error: command not recognized\r\n", "500 5.5.2 Error: command not recognized\r\n", "421 4.7.0 mx.test Error: too many errors\r\n"],
            await session.ReadRepliesAsync(4));
        Assert.Null(await session.ReadReplyAsync());
    }

    [Fact]
    public async Task Quit_says_bye_and_closes()
    {
        await using var session = new SessionHarness();
        await session.GreetAsync();

        Assert.Equal("221 2.0.0 Bye\r\n", await session.CommandAsync("QUIT"));
        await session.Run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Shutdown_closes_an_idle_session_with_421()
    {
        await using var session = new SessionHarness();
        await session.GreetAsync();

        session.StopServer();

        Assert.Equal("421 4.3.2 mx.test Service shutting down, closing transmission channel\r\n", await session.ReadReplyAsync());
        await session.Run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Shutdown_lets_a_transaction_in_flight_finish_first()
    {
        await using var session = new SessionHarness();
        await session.GreetAsync();
        await session.SendAsync("MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n");
        await session.ReadRepliesAsync(3);

        session.StopServer();
        await Task.Delay(100);
        await session.SendAsync("still arriving\r\n.\r\n");

        Assert.StartsWith("250 2.0.0 Ok: queued as", await session.ReadReplyAsync());
        Assert.StartsWith("421 4.3.2", await session.ReadReplyAsync());
        Assert.Single(session.Store.Messages);
    }

    [Theory]
    [InlineData(CommitResult.StorageError, "451 4.3.0 Error: queue file write error")]
    [InlineData(CommitResult.InsufficientStorage, "452 4.3.1 Error: insufficient system storage")]
    public async Task A_failed_commit_is_a_temporary_failure(CommitResult result, string reply)
    {
        await using var session = new SessionHarness();
        session.Store.Result = result;
        await session.GreetAsync();
        await session.SendAsync("MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n");
        await session.ReadRepliesAsync(3);

        await session.SendAsync("x\r\n.\r\n");

        Assert.Equal(reply + "\r\n", await session.ReadReplyAsync());
    }
}
