using System.Globalization;
using System.Net;
using FastSmtp.Policy;

namespace FastSmtp.Hosting;

/// <summary>`policy check`, `policy explain` and `hash-password` (SPEC.md section 7).</summary>
internal static class PolicyCommands
{
    /// <summary>Prints the compiled policy's summary, runs tests.txt, and fails on any mismatch.</summary>
    public static int Check(TextWriter output)
    {
        output.WriteLine($"primary host: {CompiledPolicy.PrimaryHost}");
        output.WriteLine($"relay: {CompiledPolicy.Relay.ConfigValue()}; skip-antispam-for-relay-addresses: {YesNo(CompiledPolicy.SkipAntispamForRelayAddresses)}; allow-remote-mail-to-groups: {YesNo(CompiledPolicy.AllowRemoteMailToGroups)}; allow-remote-view-of-groups: {YesNo(CompiledPolicy.AllowRemoteViewOfGroups)}");
        output.WriteLine($"check-valid-sender: {YesNo(CompiledPolicy.CheckValidSender)}; auto-deny-hack-attempts: {YesNo(CompiledPolicy.AutoDenyHackAttempts)}; disable-vrfy: {YesNo(CompiledPolicy.DisableVrfy)}; disable-auth-reporting: {YesNo(CompiledPolicy.DisableAuthReporting)}; dnsbl: {(CompiledPolicy.Dnsbl.Length == 0 ? "none" : CompiledPolicy.Dnsbl)}");
        output.WriteLine($"hosts.txt: {CompiledPolicy.HostCount} names; users.txt: {CompiledPolicy.UserCount}; aliases.txt: {CompiledPolicy.AliasCount}; groups.txt: {CompiledPolicy.GroupCount}");
        output.WriteLine($"relay.txt: {CompiledPolicy.RelayCount} ranges; deny.txt: {CompiledPolicy.DenyCount} ranges; accept.txt: {CompiledPolicy.AcceptCount}; kill.lst: {CompiledPolicy.KillCount} exact, {CompiledPolicy.KillSuffixCount} suffixes");
        if (CompiledPolicy.Relay == RelayMode.Anyone)
        {
            output.WriteLine("warning: relay = anyone makes this an open relay");
        }

        int failed = 0;
        foreach (PolicyTest test in CompiledPolicy.Tests)
        {
            bool senderRead = TryReadPath("FROM:", test.Sender, out string? sender);
            string? recipient = null;
            if (!senderRead || !TryReadPath("TO:", test.Recipient, out recipient))
            {
                failed++;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{CompiledPolicy.TestsFile}({test.Line},1): error FSMTP015: '{(senderRead ? test.Recipient : test.Sender)}' is not a path {(senderRead ? "RCPT TO" : "MAIL FROM")} accepts"));
                continue;
            }

            PolicyEvaluation result = PolicyEvaluator<CompiledPolicy>.Evaluate(IPAddress.Parse(test.ClientIp), sender!, recipient, test.Auth);
            if (result.Result != test.Expect)
            {
                failed++;

                // The canonical MSBuild error format, so a failing build names tests.txt(line,col).
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{CompiledPolicy.TestsFile}({test.Line},{test.Column}): error FSMTP020: expected {test.Expect}, got {result.Result} ({result.Explanation})"));
            }
        }

        output.WriteLine($"tests.txt: {CompiledPolicy.Tests.Count - failed} passed, {failed} failed");
        return failed == 0 ? 0 : 1;
    }

    /// <summary>
    /// A tests.txt sender or recipient read as MAIL FROM or RCPT TO reads it (angle brackets
    /// optional; source routes, quoted local parts, address literals, a bare postmaster): the
    /// mailbox, or null when the server would refuse the path as syntax.
    /// </summary>
    private static bool TryReadPath(string keyword, string written, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? mailbox)
    {
        string path = written.StartsWith('<') ? written : "<" + written + ">";
        byte[] arguments = System.Text.Encoding.UTF8.GetBytes(keyword + path);
        bool parsed = keyword == "FROM:"
            ? Protocol.SmtpPathParser.TryParseMailFrom(arguments, out ReadOnlySpan<byte> box, out _) == Protocol.PathError.None
            : Protocol.SmtpPathParser.TryParseRcptTo(arguments, out box, out _) == Protocol.PathError.None;
        mailbox = parsed ? System.Text.Encoding.UTF8.GetString(box) : null;
        return parsed;
    }

    /// <summary>policy explain IP SENDER RECIPIENT [--auth user@host]: the decision, then the rule.</summary>
    public static int Explain(string[] arguments, TextWriter output, TextWriter error)
    {
        string? auth = null;
        var positional = new List<string>();
        for (int i = 0; i < arguments.Length; i++)
        {
            if (arguments[i] == "--auth" && i + 1 < arguments.Length)
            {
                auth = arguments[++i];
            }
            else
            {
                positional.Add(arguments[i]);
            }
        }

        if (positional.Count != 3 || !IPAddress.TryParse(positional[0], out IPAddress? client))
        {
            error.WriteLine("usage: FastSmtp policy explain IP SENDER RECIPIENT [--auth user@host]   (SENDER may be <>)");
            return 2;
        }

        string sender = positional[1] == "<>" ? string.Empty : positional[1].Trim('<', '>');
        PolicyEvaluation result = PolicyEvaluator<CompiledPolicy>.Evaluate(client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client, sender, positional[2].Trim('<', '>'), auth);
        output.WriteLine(result.Reply);
        output.WriteLine("rule: " + result.Explanation);
        return 0;
    }

    /// <summary>Reads a password from standard input and prints a users.txt hash.</summary>
    public static int HashPassword(string[] arguments, TextReader input, TextWriter output, TextWriter error)
    {
        int iterations = PasswordHash.DefaultIterations;
        if (arguments.Length == 2 && arguments[0] == "--iterations" && int.TryParse(arguments[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1000)
        {
            iterations = n;
        }
        else if (arguments.Length != 0)
        {
            error.WriteLine("usage: FastSmtp hash-password [--iterations N]   (reads the password from standard input; N >= 1000)");
            return 2;
        }

        string? password = input.ReadLine();
        if (string.IsNullOrEmpty(password))
        {
            error.WriteLine("hash-password: no password on standard input");
            return 2;
        }

        output.WriteLine(PasswordHash.Create(password, iterations));
        return 0;
    }

    private static string YesNo(bool value) => value ? "yes" : "no";
}
