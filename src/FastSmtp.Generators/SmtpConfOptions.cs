using System.Linq;
using System.Text;

namespace FastSmtp.Generators;

/// <summary>
/// smtp.conf's keys: the one list the parser checks a file against and the emitter writes the
/// IPolicy properties and OptionLine from. The server names an option by its property
/// (nameof), so a key is spelled only here.
/// </summary>
internal static class SmtpConfOptions
{
    public static readonly SmtpConfOption[] All =
    [
        new("relay", "Relay", SmtpConfOptionKind.RelayMode, "addresses"),
        new("skip-antispam-for-relay-addresses", "SkipAntispamForRelayAddresses", SmtpConfOptionKind.YesNo, "no"),
        new("allow-remote-mail-to-groups", "AllowRemoteMailToGroups", SmtpConfOptionKind.YesNo, "yes"),
        new("allow-remote-view-of-groups", "AllowRemoteViewOfGroups", SmtpConfOptionKind.YesNo, "no"),
        new("check-valid-sender", "CheckValidSender", SmtpConfOptionKind.YesNo, "no"),
        new("auto-deny-hack-attempts", "AutoDenyHackAttempts", SmtpConfOptionKind.YesNo, "yes"),
        new("disable-vrfy", "DisableVrfy", SmtpConfOptionKind.YesNo, "no"),
        new("disable-auth-reporting", "DisableAuthReporting", SmtpConfOptionKind.YesNo, "no"),
        new("dnsbl", "Dnsbl", SmtpConfOptionKind.ZoneList, ""),
    ];

    /// <summary>The relay modes as smtp.conf writes them; each is the RelayMode member of the same words (local-hosts → LocalHosts).</summary>
    public static readonly string[] RelayModes = ["anyone", "addresses", "none", "local-hosts", "local-users"];

    public static string KeyList => string.Join(", ", All.Select(o => o.Key));

    /// <summary>"local-hosts" → "LocalHosts".</summary>
    public static string MemberName(string configValue)
    {
        var name = new StringBuilder(configValue.Length);
        bool upper = true;
        foreach (char c in configValue)
        {
            if (c == '-')
            {
                upper = true;
                continue;
            }

            name.Append(upper ? char.ToUpperInvariant(c) : c);
            upper = false;
        }

        return name.ToString();
    }
}
