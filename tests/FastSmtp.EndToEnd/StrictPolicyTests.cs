using System.Net;
using System.Text;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace FastSmtp.EndToEnd;

/// <summary>
/// The security model over real sockets, against a server built with policies/strict:
/// relay = addresses (127.0.0.1 only), auto-deny off, disable-vrfy = yes,
/// allow-remote-view-of-groups = yes, allow-remote-mail-to-groups = no, disable-auth-reporting = yes.
/// </summary>
public class StrictPolicyTests(StrictPolicyFixture fixture, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<StrictPolicyFixture>
{
    private readonly ServerProcess _server = fixture.Server;

    [Fact]
    public async Task A_client_outside_relay_txt_may_not_relay_but_may_send_to_local_users()
    {
        await using RawSmtpClient client = await Greeted();

        Assert.Equal("250 2.1.0 Ok\r\n", await client.CommandAsync("MAIL FROM:<a@x.example>"));
        Assert.Equal("550 5.7.1 unknown local host remote.example, not a gateway\r\n", await client.CommandAsync("RCPT TO:<u@remote.example>"));
        Assert.Equal("550 5.1.1 <nobody@e2e.test>: user unknown\r\n", await client.CommandAsync("RCPT TO:<nobody@e2e.test>"));
        Assert.Equal("250 2.1.5 Ok\r\n", await client.CommandAsync("RCPT TO:<fred@e2e.test>"));
        Assert.Equal("250 2.1.5 Ok\r\n", await client.CommandAsync("RCPT TO:<info@E2E.test>"));
    }

    [Fact]
    public async Task A_client_in_relay_txt_may_relay()
    {
        await using RawSmtpClient client = await RawSmtpClient.ConnectAsync(_server.Port, "127.0.0.1");
        await client.ReadReplyAsync();
        await client.CommandAsync("EHLO c.example");
        await client.CommandAsync("MAIL FROM:<a@x.example>");

        Assert.Equal("250 2.1.5 Ok\r\n", await client.CommandAsync("RCPT TO:<u@remote.example>"));
    }

    [Theory]
    [InlineData("MAIL FROM:<anyone@spam.example>")]
    [InlineData("MAIL FROM:<ANYONE@Spam.Example>")]
    [InlineData("MAIL FROM:<\"anyone\"@spam.example>")]
    [InlineData("MAIL FROM:<@relay.example,@other.example:anyone@spam.example>")]
    [InlineData("MAIL FROM:<x@bluewidget.com>")]
    [InlineData("MAIL FROM:<x@nifty.widget.com>")]
    public async Task A_sender_in_kill_lst_is_refused_however_it_is_written(string command)
    {
        await using RawSmtpClient client = await Greeted();

        Assert.Equal("501 5.7.1 unacceptable mail address\r\n", await client.CommandAsync(command));
    }

    [Fact]
    public async Task A_trailing_dot_is_refused_as_syntax_not_a_way_around_kill_lst()
    {
        await using RawSmtpClient client = await Greeted();

        Assert.Equal("501 5.1.7 Bad sender address syntax\r\n", await client.CommandAsync("MAIL FROM:<anyone@spam.example.>"));
        Assert.Equal("501 5.1.3 Bad recipient address syntax\r\n", await client.CommandAsync("MAIL FROM:<a@x.example>") is var ok && ok.StartsWith("250", StringComparison.Ordinal)
            ? await client.CommandAsync("RCPT TO:<u@remote.example.>")
            : ok);
    }

    [Theory]
    [InlineData("MAIL FROM:<jörg@bücher.example> SMTPUTF8")]
    [InlineData("MAIL FROM:<jörg@BÜCHER.example> SMTPUTF8")]
    [InlineData("MAIL FROM:<jorg@xn--bcher-kva.example>")]
    [InlineData("MAIL FROM:<jorg@shop.xn--bcher-kva.example>")]
    public async Task An_internationalised_domain_matches_kill_lst_in_unicode_or_ascii_form(string command)
    {
        // kill.lst has @*bücher.example, compiled as its A-label xn--bcher-kva.example.
        await using RawSmtpClient client = await Greeted();

        Assert.Equal("501 5.7.1 unacceptable mail address\r\n", await client.CommandAsync(command));
    }

    [Theory]
    [InlineData("x@ｗｉｄｇｅｔ.com")]
    [InlineData("x@wid\u00ADget.com")]
    [InlineData("x@widget.com\u200B")]
    [InlineData("x@ｓｐａｍ.example")]
    [InlineData("x@bu\u0308cher.example")]
    [InlineData("x@wid\u0433et.com")]
    [InlineData("x@xn--zz.widget.com")]
    public async Task A_look_alike_of_a_listed_domain_is_refused_553_never_looked_up_as_written(string address)
    {
        // kill.lst lists @*widget.com, @spam.example and @*bücher.example; hosts.txt e2e.test.
        await using RawSmtpClient client = await Greeted();

        Assert.Equal("553 5.1.7 sender domain refused: look-alike, invisible or unmappable characters\r\n", await client.CommandAsync($"MAIL FROM:<{address}> SMTPUTF8"));
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<a@x.example> SMTPUTF8"));
        const string RecipientRefused = "553 5.1.3 recipient domain refused: look-alike, invisible or unmappable characters\r\n";
        Assert.Equal(RecipientRefused, await client.CommandAsync($"RCPT TO:<{address}>"));
        // Look-alikes of the local host (hosts.txt, users.txt) go no further either.
        Assert.Equal(RecipientRefused, await client.CommandAsync("RCPT TO:<fred@ｅ２ｅ.test>"));
        Assert.Equal(RecipientRefused, await client.CommandAsync("RCPT TO:<fred@e2e.test\u200B>"));
    }

    [Theory]
    [InlineData("jörg@пример.рф")]
    [InlineData("x@ελλάδα.gr")]
    [InlineData("x@例え.jp")]
    public async Task An_internationalised_domain_in_normal_form_is_accepted(string address)
    {
        await using RawSmtpClient client = await Greeted();

        Assert.Equal("250 2.1.0 Ok\r\n", await client.CommandAsync($"MAIL FROM:<{address}> SMTPUTF8"));
        Assert.Equal("250 2.1.5 Ok\r\n", await client.CommandAsync("RCPT TO:<fred@e2e.test>"));
    }

    [Fact]
    public async Task A_client_in_deny_txt_gets_554_at_connect()
    {
        await using RawSmtpClient client = await RawSmtpClient.ConnectAsync(_server.Port, "127.0.9.7");

        Assert.Equal("554 5.7.1 access denied\r\n", await client.ReadReplyAsync());
        Assert.Null(await client.ReadReplyAsync());
    }

    [Fact]
    public async Task With_auto_deny_off_a_long_line_is_refused_and_the_session_goes_on()
    {
        await using RawSmtpClient client = await Greeted();

        Assert.Equal("500 5.5.2 line too long\r\n", await client.CommandAsync("NOOP " + new string('x', 600)));
        Assert.Equal("250 2.0.0 Ok\r\n", await client.CommandAsync("NOOP"));
    }

    [Fact]
    public async Task Vrfy_is_not_implemented_when_disabled()
    {
        await using RawSmtpClient client = await Greeted();

        Assert.Equal("502 5.5.1 Command not implemented\r\n", await client.CommandAsync("VRFY fred@mail.e2e.test"));
    }

    [Fact]
    public async Task Expn_shows_a_groups_members_when_remote_view_is_allowed()
    {
        await using RawSmtpClient client = await Greeted();

        Assert.Equal("250-2.1.5 <fred@mail.e2e.test>\r\n250 2.1.5 <ann@partner.example>\r\n", await client.CommandAsync("EXPN staff@e2e.test"));
        Assert.Equal("550 5.1.1 Error: not a mailing list\r\n", await client.CommandAsync("EXPN fred@e2e.test"));
    }

    [Fact]
    public async Task Remote_mail_to_a_group_is_refused_but_an_authenticated_session_may_send_it()
    {
        await using RawSmtpClient client = await Greeted();
        await client.CommandAsync("MAIL FROM:<a@x.example>");
        Assert.Equal("550 5.7.1 <staff@mail.e2e.test>: mail from outside to local groups is not allowed\r\n", await client.CommandAsync("RCPT TO:<staff@mail.e2e.test>"));
        await client.CommandAsync("RSET");

        Assert.Equal("235 2.7.0 Authentication successful\r\n", await client.CommandAsync("AUTH PLAIN " + Plain("fred@mail.e2e.test", "correct horse battery")));
        await client.CommandAsync("MAIL FROM:<fred@mail.e2e.test>");
        Assert.Equal("250 2.1.5 Ok\r\n", await client.CommandAsync("RCPT TO:<staff@mail.e2e.test>"));
    }

    [Fact]
    public async Task Auth_is_not_advertised_when_reporting_is_disabled_but_still_works()
    {
        await using RawSmtpClient client = await RawSmtpClient.ConnectAsync(_server.Port);
        await client.ReadReplyAsync();

        Assert.DoesNotContain("AUTH", await client.CommandAsync("EHLO c.example"));
        await client.CommandAsync("MAIL FROM:<fred@mail.e2e.test>");
        Assert.Equal("503 5.5.1 Error: MAIL transaction in progress\r\n", await client.CommandAsync("AUTH PLAIN"));
        await client.CommandAsync("RSET");
        Assert.Equal("334 VXNlcm5hbWU6\r\n", await client.CommandAsync("AUTH LOGIN"));
        Assert.Equal("334 UGFzc3dvcmQ6\r\n", await client.CommandAsync(Convert.ToBase64String("fred@e2e.test"u8)));
        Assert.Equal("235 2.7.0 Authentication successful\r\n", await client.CommandAsync(Convert.ToBase64String("correct horse battery"u8)));

        // An authenticated session relays in every mode, from any address.
        await client.CommandAsync("MAIL FROM:<fred@mail.e2e.test>");
        Assert.Equal("250 2.1.5 Ok\r\n", await client.CommandAsync("RCPT TO:<u@remote.example>"));
    }

    [Fact]
    public async Task The_password_never_appears_in_the_log()
    {
        await using RawSmtpClient client = await Greeted();
        string source = client.LocalAddress;
        await client.CommandAsync("AUTH PLAIN " + Plain("fred@mail.e2e.test", "a-wrong-password-xyzzy"));

        // The failure is logged (the log is written out every 100 ms): wait for that line.
        await _server.WaitForOutputAsync($"AUTH failed for {source}");
        Assert.DoesNotContain("xyzzy", _server.Output);
        Assert.DoesNotContain(Plain("fred@mail.e2e.test", "a-wrong-password-xyzzy"), _server.Output);
    }

    [Fact]
    public async Task A_wrong_password_takes_as_long_for_a_missing_account_as_for_an_existing_one()
    {
        // Alternating, each from a network of its own (so no attempt waits for an earlier one's failure).
        var existing = new List<double>();
        var missing = new List<double>();
        for (int i = 0; i < 8; i++)
        {
            existing.Add(await TimeFailedAuthAsync("fred@mail.e2e.test"));
            missing.Add(await TimeFailedAuthAsync($"nobody{i}@mail.e2e.test"));
        }

        // A user oracle needs a difference; the medians of the two may differ by scheduling noise
        // only. (Measured: 140 ms apart when a missing account cost the default 600,000 rounds
        // against fred's 1,000; a few ms apart since it costs what real accounts do.)
        double difference = Math.Abs(Median(existing) - Median(missing));
        output.WriteLine($"failed AUTH, median: existing account {Median(existing):F0} ms, missing account {Median(missing):F0} ms");
        Assert.True(difference < 60, $"existing {string.Join(", ", existing.Select(t => t.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))} ms; missing {string.Join(", ", missing.Select(t => t.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))} ms");
    }

    private async Task<double> TimeFailedAuthAsync(string user)
    {
        await using RawSmtpClient client = await RawSmtpClient.ConnectAsync(_server.Port, RawSmtpClient.NextNetworkAddress());
        await client.ReadReplyAsync();
        await client.CommandAsync("EHLO c.example");
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        Assert.Equal("535 5.7.8 authentication failed\r\n", await client.CommandAsync("AUTH PLAIN " + Plain(user, "a-wrong-password")));
        return System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private async Task<RawSmtpClient> Greeted()
    {
        RawSmtpClient client = await RawSmtpClient.ConnectAsync(_server.Port);
        Assert.StartsWith("220 mail.e2e.test ", await client.ReadReplyAsync());
        Assert.StartsWith("250-mail.e2e.test", await client.CommandAsync("EHLO c.example"));
        return client;
    }

    internal static string Plain(string user, string password) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}"));
}
