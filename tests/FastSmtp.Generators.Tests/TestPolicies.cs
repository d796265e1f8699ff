namespace FastSmtp.Generators.Tests;

/// <summary>Policy folders for the decision tables: one set of files, five relay modes.</summary>
internal static class TestPolicies
{
    public static IReadOnlyDictionary<string, string> WithRelayMode(string mode) => new Dictionary<string, string>
    {
        ["smtp.conf"] = $"relay = {mode}\nallow-remote-mail-to-groups = no\n",
        ["hosts.txt"] = "mail.local.test local.test\nother.test\nbücher.test\n",
        ["users.txt"] = "fred@mail.local.test pbkdf2-sha256:1000:c2FsdHNhbHRzYWx0c2FsdA==:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\nbob@local.test -\nhans@bücher.test -\n",
        ["aliases.txt"] = "info@local.test: fred@mail.local.test\n",
        ["groups.txt"] = "staff@mail.local.test: fred@mail.local.test, ann@partner.example\n",
        ["relay.txt"] = "192.168.1.0/24\n10.0.0.0 255.0.0.0\n2001:db8::/32\n192.0.2.55\n",
        ["accept.txt"] = "mail1.widget.test\nbob@mail5.foo.test\n198.51.100.7\n",
        ["kill.lst"] = "fred@widget.com\n@spam.example\n@*widget.com\n@*bücher.example\n",
        ["deny.txt"] = "203.0.113.0/24\n",
    };
}
