using Microsoft.CodeAnalysis;

namespace FastSmtp.Generators.Tests;

/// <summary>Each policy file's accepted forms and each diagnostic with its location.</summary>
public class PolicyFilesGeneratorTests
{
    [Theory]
    [InlineData("smtp.conf", "relay = addresses\nrelay: none\n", "FSMTP007", 2, 1)]
    [InlineData("smtp.conf", "relay = addresses\nrelays = none\n", "FSMTP005", 2, 1)]
    [InlineData("smtp.conf", "relay = everyone\n", "FSMTP006", 1, 9)]
    [InlineData("smtp.conf", "disable-vrfy = maybe\n", "FSMTP006", 1, 16)]
    [InlineData("smtp.conf", "dnsbl = zen.spamhaus.org, bad_zone\n", "FSMTP006", 1, 9)]
    [InlineData("smtp.conf", "relay = none\nrelay = anyone\n", "FSMTP003", 2, 1)]
    [InlineData("users.txt", "fred@mail.local.test secret123\n", "FSMTP010", 1, 22)]
    [InlineData("users.txt", "fred@mail.local.test pbkdf2-sha256:10:c2FsdA==:aGFzaA==\n", "FSMTP010", 1, 22)]
    [InlineData("users.txt", "fred@mail.local.test\n", "FSMTP010", 1, 21)]
    [InlineData("users.txt", "fred@elsewhere.test -\n", "FSMTP009", 1, 6)]
    [InlineData("users.txt", "fred -\n", "FSMTP008", 1, 1)]
    [InlineData("users.txt", "fred@local.test -\nFRED@mail.local.test -\n", "FSMTP003", 2, 6)]
    [InlineData("aliases.txt", "info@local.test: a@x.example, b@x.example\n", "FSMTP008", 1, 17)]
    [InlineData("aliases.txt", "info@local.test: not an address\n", "FSMTP008", 1, 18)]
    [InlineData("aliases.txt", "info@local.test fred@mail.local.test\n", "FSMTP008", 1, 1)]
    [InlineData("aliases.txt", "a@local.test: b@local.test\nb@mail.local.test: a@mail.local.test\n", "FSMTP016", 1, 3)]
    [InlineData("groups.txt", "staff@local.test: fred@local.test, , bob@x.example\n", "FSMTP008", 1, 35)]
    [InlineData("groups.txt", "team@local.test: team@mail.local.test\n", "FSMTP016", 1, 6)]
    [InlineData("relay.txt", "10.0.0.0 255.0.255.0\n", "FSMTP012", 1, 10)]
    [InlineData("relay.txt", "10.0.0.0/33\n", "FSMTP011", 1, 1)]
    [InlineData("relay.txt", "300.1.1.1\n", "FSMTP011", 1, 1)]
    [InlineData("relay.txt", "2001:db8::/129\n", "FSMTP011", 1, 1)]
    [InlineData("relay.txt", "10.0.0.0/8\n10.1.2.3 255.0.0.0\n", "FSMTP003", 2, 1)]
    [InlineData("deny.txt", "192.0.2.0 255.255.255.0 extra\n", "FSMTP011", 1, 1)]
    [InlineData("accept.txt", "mail1.widget.com mail5.foo.com\n", "FSMTP013", 1, 1)]
    [InlineData("accept.txt", "*.widget.com\n", "FSMTP013", 1, 1)]
    [InlineData("kill.lst", "@*\n", "FSMTP014", 1, 1)]
    [InlineData("kill.lst", "fred@\n", "FSMTP014", 1, 1)]
    [InlineData("kill.lst", "@widget.com\n@WIDGET.com\n", "FSMTP003", 2, 1)]
    [InlineData("transport.txt", "example.com\n", "FSMTP018", 1, 1)]
    [InlineData("transport.txt", "example.com mx extra\n", "FSMTP018", 1, 1)]
    [InlineData("transport.txt", "example.com mail.example.net\n", "FSMTP018", 1, 1)]
    [InlineData("transport.txt", "example.com mail.example.net:0\n", "FSMTP018", 1, 1)]
    [InlineData("transport.txt", "example.com 2001:db8::1:25\n", "FSMTP018", 1, 1)]
    [InlineData("transport.txt", "a.example mx\nb.example local\n\tnot_a_domain! mx\n", "FSMTP018", 3, 2)]
    [InlineData("transport.txt", "a.example mx\nA.EXAMPLE local\n", "FSMTP003", 2, 1)]
    [InlineData("tests.txt", "127.0.0.1 a@b.example c@d.example accept\n", "FSMTP015", 1, 35)]
    [InlineData("tests.txt", "localhost a@b.example c@d.example => accept\n", "FSMTP015", 1, 1)]
    [InlineData("tests.txt", "127.0.0.1 a@b.example c@d.example => maybe\n", "FSMTP015", 1, 38)]
    [InlineData("tests.txt", "127.0.0.1 a@b.example c@d.example user=x@y.example => 550\n", "FSMTP015", 1, 35)]
    public void A_malformed_line_is_reported_at_its_line_and_column(string file, string text, string id, int line, int column)
    {
        GeneratorDriverRunResult result = GeneratorRunner.Run(("hosts.txt", "mail.local.test local.test\n"), (file, text));

        Diagnostic diagnostic = Assert.Single(GeneratorRunner.Diagnostics(result), d => d.Id == id);
        FileLinePositionSpan span = diagnostic.Location.GetLineSpan();
        Assert.Equal(Path.Combine(GeneratorRunner.PolicyDirectory, file), span.Path);
        Assert.Equal((line, column), (span.StartLinePosition.Line + 1, span.StartLinePosition.Character + 1));
        Assert.Equal(id == "FSMTP003" ? DiagnosticSeverity.Warning : DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.DoesNotContain("secret123", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("smtp.conf", "# all options\nrelay = local-users\nskip-antispam-for-relay-addresses = yes\nallow-remote-mail-to-groups = no\nallow-remote-view-of-groups = yes\ncheck-valid-sender = yes\nauto-deny-hack-attempts = no\ndisable-vrfy = yes\ndisable-auth-reporting = yes\ndnsbl = zen.spamhaus.org, bl.example.net\n")]
    [InlineData("users.txt", "fred@mail.local.test pbkdf2-sha256:600000:c2FsdHNhbHRzYWx0c2FsdA==:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\nbob@local.test   -   # cannot AUTH\n")]
    [InlineData("aliases.txt", "info@local.test: fred@mail.local.test\nsales@local.test:ann@partner.example\n")]
    [InlineData("groups.txt", "staff@local.test: fred@mail.local.test, ann@partner.example,bob@x.example\n")]
    [InlineData("relay.txt", "192.168.1.25\n156.21.50.0 255.255.255.0\n10.0.0.0/8\n2001:db8:100::/48\n::1\n0.0.0.0/0\n")]
    [InlineData("deny.txt", "203.0.113.0/24\n198.51.100.7\n")]
    [InlineData("accept.txt", "mail1.widget.com\nbob@mail5.foo.com\n192.0.2.10\n2001:db8::10\nbücher.example\n")]
    [InlineData("kill.lst", "fred@widget.com\n@widget.com\n@*widget.com\n@*.example.net\n")]
    [InlineData("tests.txt", "127.0.0.1 <> postmaster@local.test => accept\n::1 a@b.example c@d.example auth=fred@local.test => 550\n")]
    public void Every_documented_form_is_accepted(string file, string text)
    {
        GeneratorDriverRunResult result = GeneratorRunner.Run(("hosts.txt", "mail.local.test local.test\n"), (file, text));

        Assert.Empty(GeneratorRunner.Diagnostics(result));
    }

    [Fact]
    public void Editing_relay_txt_reruns_only_the_relay_step()
    {
        AdditionalText relay = GeneratorRunner.Text("relay.txt", "10.0.0.0/8\n");
        GeneratorDriver driver = GeneratorRunner.CreateDriver(
            null,
            GeneratorRunner.Text("hosts.txt", "a.test\n"),
            GeneratorRunner.Text("users.txt", "fred@a.test -\n"),
            GeneratorRunner.Text("kill.lst", "@spam.test\n"),
            GeneratorRunner.Text("smtp.conf", "relay = addresses\n"),
            relay);
        Microsoft.CodeAnalysis.CSharp.CSharpCompilation compilation = GeneratorRunner.Compilation();
        driver = driver.RunGenerators(compilation);

        driver = driver.ReplaceAdditionalText(relay, GeneratorRunner.Text("relay.txt", "10.0.0.0/8\n192.168.0.0/16\n"));
        GeneratorRunResult rerun = driver.RunGenerators(compilation).GetRunResult().Results.Single();

        Assert.Equal(IncrementalStepRunReason.Modified, rerun.TrackedSteps[PolicyGenerator.TrackingNames.RelayModel].Single().Outputs.Single().Reason);
        foreach (string step in new[] { PolicyGenerator.TrackingNames.HostsModel, PolicyGenerator.TrackingNames.RecipientsModel, PolicyGenerator.TrackingNames.KillModel, PolicyGenerator.TrackingNames.OptionsModel, PolicyGenerator.TrackingNames.DenyModel })
        {
            Assert.All(rerun.TrackedSteps[step].Single().Outputs, output => Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {output.Reason}"));
        }
    }

    [Fact]
    public void Generated_tables_are_deterministic_whatever_the_order_of_the_runs()
    {
        (string, string)[] files =
        [
            ("hosts.txt", "mail.local.test local.test\nother.test\n"),
            ("users.txt", "fred@local.test -\nbob@other.test -\n"),
            ("kill.lst", "@*widget.com\nfred@x.example\n@spam.example\n"),
            ("relay.txt", "10.0.0.0/8\n2001:db8::/32\n192.168.1.1\n"),
        ];

        string[] first = GeneratorRunner.Run(files).Results.Single().GeneratedSources.Select(s => s.SourceText.ToString()).ToArray();
        string[] second = GeneratorRunner.Run(files.Reverse().ToArray()).Results.Single().GeneratedSources.OrderBy(s => Array.IndexOf(first, s.SourceText.ToString())).Select(s => s.SourceText.ToString()).ToArray();

        Assert.Equal(first.Order(), second.Order());
    }
}
