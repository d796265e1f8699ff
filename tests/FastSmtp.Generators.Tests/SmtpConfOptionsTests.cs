using System.Reflection;
using FastSmtp.Policy;
using FastSmtp.Testing;

namespace FastSmtp.Generators.Tests;

/// <summary>Each smtp.conf key compiles to its IPolicy property, with its line.</summary>
public class SmtpConfOptionsTests
{
    /// <summary>Every key, set to its non-default value, one per line (line = index + 1).</summary>
    private static readonly (string Line, string Property, object Value)[] Settings =
    [
        ("relay = local-hosts", nameof(IPolicy.Relay), RelayMode.LocalHosts),
        ("skip-antispam-for-relay-addresses = yes", nameof(IPolicy.SkipAntispamForRelayAddresses), true),
        ("allow-remote-mail-to-groups = no", nameof(IPolicy.AllowRemoteMailToGroups), false),
        ("allow-remote-view-of-groups = yes", nameof(IPolicy.AllowRemoteViewOfGroups), true),
        ("check-valid-sender = yes", nameof(IPolicy.CheckValidSender), true),
        ("auto-deny-hack-attempts = no", nameof(IPolicy.AutoDenyHackAttempts), false),
        ("disable-vrfy = yes", nameof(IPolicy.DisableVrfy), true),
        ("disable-auth-reporting = yes", nameof(IPolicy.DisableAuthReporting), true),
        ("dnsbl = bl.example.net, zen.example.org", nameof(IPolicy.Dnsbl), "bl.example.net,zen.example.org"),
    ];

    [Fact]
    public void Each_key_sets_its_property_and_names_its_line()
    {
        Type compiled = CompiledPolicyType(string.Join("\n", Settings.Select(s => s.Line)) + "\n");

        for (int i = 0; i < Settings.Length; i++)
        {
            (_, string property, object value) = Settings[i];
            Assert.Equal(value, compiled.GetProperty(property, BindingFlags.Public | BindingFlags.Static)!.GetValue(null));
            Assert.Equal(i + 1, OptionLine(compiled, property));
        }
    }

    [Fact]
    public void An_option_left_out_has_its_default_and_no_line()
    {
        Type compiled = CompiledPolicyType("disable-vrfy = yes\n");

        Assert.Equal(RelayMode.Addresses, compiled.GetProperty(nameof(IPolicy.Relay))!.GetValue(null));
        Assert.Equal(true, compiled.GetProperty(nameof(IPolicy.AutoDenyHackAttempts))!.GetValue(null));
        Assert.Equal(0, OptionLine(compiled, nameof(IPolicy.Relay)));
        Assert.Equal(1, OptionLine(compiled, nameof(IPolicy.DisableVrfy)));
    }

    private static Type CompiledPolicyType(string smtpConf) =>
        InProcessPolicy.Compile(new Dictionary<string, string> { ["smtp.conf"] = smtpConf, ["hosts.txt"] = "localhost\n" })
            .Current.GetType().GetGenericArguments()[0];

    private static int OptionLine(Type compiled, string property) =>
        (int)compiled.GetMethod(nameof(IPolicy.OptionLine), BindingFlags.Public | BindingFlags.Static)!.Invoke(null, [property])!;
}
