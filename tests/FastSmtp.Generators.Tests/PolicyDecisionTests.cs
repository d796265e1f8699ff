namespace FastSmtp.Generators.Tests;

/// <summary>
/// The relay modes and their rules, mode by mode and rule by rule, against policies compiled by the generator
/// and evaluated by the server's engine. Each row: client, sender, recipient, optional AUTH
/// user, the expected result ("accept" or the reply code) and the rule that must decide it.
/// </summary>
public class PolicyDecisionTests
{
    [Theory]
    // relay.txt: single computers, IP/PREFIX, IP MASK, IPv6
    [InlineData("addresses", "192.168.1.20", "a@x.example", "u@remote.example", null, "accept", "relay.txt:1")]
    [InlineData("addresses", "192.168.2.20", "a@x.example", "u@remote.example", null, "550", "smtp.conf:1")]
    [InlineData("addresses", "10.200.3.4", "a@x.example", "u@remote.example", null, "accept", "relay.txt:2")]
    [InlineData("addresses", "11.0.0.1", "a@x.example", "u@remote.example", null, "550", "smtp.conf:1")]
    [InlineData("addresses", "2001:db8:1::7", "a@x.example", "u@remote.example", null, "accept", "relay.txt:3")]
    [InlineData("addresses", "2001:db9::7", "a@x.example", "u@remote.example", null, "550", "smtp.conf:1")]
    [InlineData("addresses", "192.0.2.55", "a@x.example", "u@remote.example", null, "accept", "relay.txt:4")]
    [InlineData("addresses", "192.0.2.56", "a@x.example", "u@remote.example", null, "550", "smtp.conf:1")]
    [InlineData("addresses", "::ffff:192.168.1.20", "a@x.example", "u@remote.example", null, "accept", "relay.txt:1")]
    // the backup-server case: the recipient's host is an address in relay.txt
    [InlineData("addresses", "198.18.0.1", "a@x.example", "u@[192.168.1.9]", null, "accept", "relay.txt:1")]
    [InlineData("addresses", "198.18.0.1", "a@x.example", "u@[IPv6:2001:db8::9]", null, "accept", "relay.txt:3")]
    // local recipients: from anyone, through any alias of the host, any case
    [InlineData("addresses", "198.18.0.1", "a@x.example", "fred@mail.local.test", null, "accept", "users.txt:1")]
    [InlineData("addresses", "198.18.0.1", "a@x.example", "fred@local.test", null, "accept", "users.txt:1")]
    [InlineData("addresses", "198.18.0.1", "a@x.example", "FRED@Local.TEST", null, "accept", "users.txt:1")]
    [InlineData("addresses", "198.18.0.1", "a@x.example", "\"fred\"@local.test", null, "accept", "users.txt:1")]
    [InlineData("addresses", "198.18.0.1", "a@x.example", "bob@mail.local.test", null, "accept", "users.txt:2")]
    [InlineData("addresses", "198.18.0.1", "a@x.example", "hans@xn--bcher-kva.test", null, "accept", "users.txt:3")]
    [InlineData("addresses", "198.18.0.1", "a@x.example", "hans@bücher.test", null, "accept", "users.txt:3")]
    [InlineData("addresses", "198.18.0.1", "a@x.example", "nobody@mail.local.test", null, "550", "hosts.txt:1")]
    [InlineData("addresses", "198.18.0.1", "a@x.example", "fred@other.test", null, "550", "hosts.txt:2")]
    [InlineData("addresses", "198.18.0.1", "a@x.example", "info@local.test", null, "accept", "aliases.txt:1")]
    [InlineData("addresses", "198.18.0.1", "a@x.example", "postmaster@other.test", null, "accept", "built-in")]
    [InlineData("addresses", "198.18.0.1", "a@x.example", "postmaster", null, "accept", "built-in")]
    // groups: remote mail refused while allow-remote-mail-to-groups = no, loopback included
    [InlineData("addresses", "198.18.0.1", "a@x.example", "staff@mail.local.test", null, "550", "smtp.conf:2")]
    [InlineData("addresses", "127.0.0.1", "a@x.example", "staff@local.test", null, "550", "smtp.conf:2")]
    [InlineData("addresses", "198.18.0.1", "a@x.example", "staff@mail.local.test", "fred@local.test", "accept", "groups.txt:1")]
    // an authenticated session may relay in every mode
    [InlineData("addresses", "198.18.0.1", "a@x.example", "u@remote.example", "fred@mail.local.test", "accept", "built-in")]
    [InlineData("none", "198.18.0.1", "a@x.example", "u@remote.example", "fred@mail.local.test", "accept", "built-in")]
    [InlineData("local-users", "198.18.0.1", "a@x.example", "u@remote.example", "fred@mail.local.test", "accept", "built-in")]
    [InlineData("addresses", "198.18.0.1", "a@x.example", "u@remote.example", "stranger@mail.local.test", "550", "smtp.conf:1")]
    // kill.lst at MAIL FROM: exact, @host exactly, @*suffix as a plain string suffix
    [InlineData("addresses", "192.168.1.20", "fred@widget.com", "postmaster@local.test", null, "501", "kill.lst:1")]
    [InlineData("addresses", "192.168.1.20", "FRED@Widget.COM", "postmaster@local.test", null, "501", "kill.lst:1")]
    [InlineData("addresses", "192.168.1.20", "\"fred\"@widget.com", "postmaster@local.test", null, "501", "kill.lst:1")]
    [InlineData("addresses", "192.168.1.20", "\"f\\red\"@widget.com", "postmaster@local.test", null, "501", "kill.lst:1")]
    [InlineData("addresses", "192.168.1.20", "anyone@bluewidget.com", "postmaster@local.test", null, "501", "kill.lst:3")]
    [InlineData("addresses", "192.168.1.20", "anyone@nifty.widget.com", "postmaster@local.test", null, "501", "kill.lst:3")]
    [InlineData("addresses", "192.168.1.20", "anyone@widget.com.example", "postmaster@local.test", null, "accept", "built-in")]
    [InlineData("addresses", "192.168.1.20", "anyone@spam.example", "postmaster@local.test", null, "501", "kill.lst:2")]
    [InlineData("addresses", "192.168.1.20", "anyone@SPAM.example", "postmaster@local.test", null, "501", "kill.lst:2")]
    [InlineData("addresses", "192.168.1.20", "anyone@sub.spam.example", "postmaster@local.test", null, "accept", "built-in")]
    [InlineData("addresses", "192.168.1.20", "anyone@bücher.example", "postmaster@local.test", null, "501", "kill.lst:4")]
    [InlineData("addresses", "192.168.1.20", "anyone@xn--bcher-kva.example", "postmaster@local.test", null, "501", "kill.lst:4")]
    [InlineData("addresses", "192.168.1.20", "", "postmaster@local.test", null, "accept", "built-in")]
    // deny.txt at connect
    [InlineData("addresses", "203.0.113.9", "a@x.example", "postmaster@local.test", null, "554", "deny.txt:1")]
    // relay = anyone / none
    [InlineData("anyone", "198.18.0.1", "a@x.example", "u@remote.example", null, "accept", "smtp.conf:1")]
    [InlineData("none", "192.168.1.20", "a@x.example", "u@remote.example", null, "550", "smtp.conf:1")]
    [InlineData("none", "198.18.0.1", "a@x.example", "fred@local.test", null, "accept", "users.txt:1")]
    // relay = local-hosts: the sender's domain is local (or in accept.txt), or the client is in accept.txt
    [InlineData("local-hosts", "198.18.0.1", "x@mail.local.test", "u@remote.example", null, "accept", "hosts.txt:1")]
    [InlineData("local-hosts", "198.18.0.1", "x@LOCAL.test", "u@remote.example", null, "accept", "hosts.txt:1")]
    [InlineData("local-hosts", "198.18.0.1", "x@mail1.widget.test", "u@remote.example", null, "accept", "accept.txt:1")]
    [InlineData("local-hosts", "198.51.100.7", "x@elsewhere.example", "u@remote.example", null, "accept", "accept.txt:3")]
    [InlineData("local-hosts", "198.18.0.1", "x@elsewhere.example", "u@remote.example", null, "550", "smtp.conf:1")]
    [InlineData("local-hosts", "192.168.1.20", "x@elsewhere.example", "u@remote.example", null, "550", "smtp.conf:1")]
    // relay = local-users: an existing user (aliases do not count), or the whole address in accept.txt
    [InlineData("local-users", "198.18.0.1", "fred@local.test", "u@remote.example", null, "accept", "users.txt:1")]
    [InlineData("local-users", "198.18.0.1", "info@local.test", "u@remote.example", null, "550", "smtp.conf:1")]
    [InlineData("local-users", "198.18.0.1", "nobody@mail.local.test", "u@remote.example", null, "550", "smtp.conf:1")]
    [InlineData("local-users", "198.18.0.1", "bob@mail5.foo.test", "u@remote.example", null, "accept", "accept.txt:2")]
    [InlineData("local-users", "198.18.0.1", "bob@mail1.widget.test", "u@remote.example", null, "550", "smtp.conf:1")]
    public void Decides_as_the_spec_says(string mode, string client, string sender, string recipient, string? auth, string expected, string rule)
    {
        CompiledTestPolicy policy = CompiledTestPolicy.Get(mode, TestPolicies.WithRelayMode(mode));

        (string result, string reply, string explanation) = policy.Evaluate(client, sender, recipient, auth);

        Assert.True(expected == result, $"expected {expected}, got {result}: {reply} ({explanation})");
        Assert.StartsWith(rule + ":", explanation);
    }

    [Theory]
    [InlineData("198.18.0.1", "a@x.example", "u@remote.example", "550 5.7.1 unknown local host remote.example, not a gateway")]
    [InlineData("198.18.0.1", "a@x.example", "nobody@local.test", "550 5.1.1 <nobody@local.test>: user unknown")]
    [InlineData("198.18.0.1", "fred@widget.com", "fred@local.test", "501 5.7.1 unacceptable mail address")]
    [InlineData("203.0.113.1", "a@x.example", "fred@local.test", "554 5.7.1 access denied")]
    public void Refusals_use_the_fixed_reply_texts(string client, string sender, string recipient, string reply)
    {
        CompiledTestPolicy policy = CompiledTestPolicy.Get("addresses", TestPolicies.WithRelayMode("addresses"));

        Assert.Equal(reply, policy.Evaluate(client, sender, recipient).Reply);
    }

    [Fact]
    public void Vrfy_and_expn_are_decided_by_the_policy_with_the_rule_behind_each_answer()
    {
        CompiledTestPolicy policy = CompiledTestPolicy.Get("addresses", TestPolicies.WithRelayMode("addresses"));

        Assert.Equal(("250", "users.txt:1"), policy.Verify("fred@local.test"));
        Assert.Equal(("250", "aliases.txt:1"), policy.Verify("info@local.test"));
        Assert.Equal(("250", "groups.txt:1"), policy.Verify("staff@mail.local.test"));
        Assert.Equal(("550", "hosts.txt:2"), policy.Verify("nobody@other.test"));
        Assert.Equal(("252", "built-in"), policy.Verify("someone@remote.example"));

        Assert.Equal(("NotAGroup", "built-in", ""), policy.ExpandGroup("fred@local.test", authenticated: true));
        Assert.Equal(("GroupsConfidential", "smtp.conf (default)", ""), policy.ExpandGroup("staff@local.test", authenticated: false));
        Assert.Equal(("Accept", "groups.txt:1", "fred@mail.local.test,ann@partner.example"), policy.ExpandGroup("staff@local.test", authenticated: true));

        var files = new Dictionary<string, string>(TestPolicies.WithRelayMode("addresses")) { ["smtp.conf"] = "relay = addresses\ndisable-vrfy = yes\nallow-remote-view-of-groups = yes\n" };
        CompiledTestPolicy closed = CompiledTestPolicy.Get("vrfy-disabled", files);
        Assert.Equal(("502", "smtp.conf:2"), closed.Verify("fred@local.test"));
        Assert.Equal(("502", "smtp.conf:2"), closed.Verify("someone@remote.example"));
        Assert.Equal(("Accept", "groups.txt:1", "fred@mail.local.test,ann@partner.example"), closed.ExpandGroup("staff@mail.local.test", authenticated: false));
    }

    [Fact]
    public void Auth_hack_attempts_and_check_valid_sender_are_decided_by_the_policy()
    {
        var files = new Dictionary<string, string>(TestPolicies.WithRelayMode("addresses"))
        {
            ["smtp.conf"] = "relay = addresses\nauto-deny-hack-attempts = yes\ncheck-valid-sender = yes\ndisable-auth-reporting = yes\n",
        };
        string[] strict = CompiledTestPolicy.Get("session-rules-strict", files).SessionRules("Subject: x\r\n\r\n");
        Assert.Equal(["ClientDenied smtp.conf:2", "SenderNotUserAtHost smtp.conf:3", "535 BadCredentials", "538 AuthWithoutTls", "Accept AuthOnLoopback", "False"], strict);

        files["smtp.conf"] = "relay = addresses\nauto-deny-hack-attempts = no\n";
        string[] lenient = CompiledTestPolicy.Get("session-rules-lenient", files).SessionRules("Subject: x\r\n\r\n");
        Assert.Equal(["Accept smtp.conf:2", "Accept built-in", "535 BadCredentials", "538 AuthWithoutTls", "Accept AuthOnLoopback", "True"], lenient);
    }
}
