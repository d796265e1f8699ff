using System.Globalization;
using System.Net;
using FastSmtp.Policy;
using FastSmtp.Policy.Loading;

namespace FastSmtp.Hosting;

/// <summary>`policy check`, `policy explain`, `policy reload` and `hash-password`.</summary>
internal static class PolicyCommands
{
    /// <summary>
    /// policy check [--policy FILE]: loads the policy as the server would, prints its identity and
    /// summary, runs tests.txt, and fails on any mismatch (the policy build runs this).
    /// </summary>
    public static int Check(string[] arguments, TextWriter output, TextWriter error)
    {
        if (arguments is not ([] or ["--policy", _]))
        {
            error.WriteLine(CommandUsage.PolicyCheck);
            return 2;
        }

        if (!TryLoad(arguments is [_, var file] ? file : null, error, out SecurityPolicy? policy))
        {
            return 1;
        }

        output.WriteLine(policy.Identity.ToString());
        output.WriteLine($"primary host: {policy.PrimaryHost}");
        output.WriteLine($"relay: {policy.Relay.ConfigValue()}; skip-antispam-for-relay-addresses: {YesNo(policy.SkipAntispamForRelayAddresses)}; allow-remote-mail-to-groups: {YesNo(policy.AllowRemoteMailToGroups)}; allow-remote-view-of-groups: {YesNo(policy.AllowRemoteViewOfGroups)}");
        output.WriteLine($"check-valid-sender: {YesNo(policy.CheckValidSender)}; auto-deny-hack-attempts: {YesNo(policy.AutoDenyHackAttempts)}; disable-vrfy: {YesNo(policy.DisableVrfy)}; disable-auth-reporting: {YesNo(policy.DisableAuthReporting)}; dnsbl: {(policy.Dnsbl.Length == 0 ? "none" : policy.Dnsbl)}");
        PolicyIdentity counts = policy.Identity;
        output.WriteLine($"hosts.txt: {counts.Hosts} names; users.txt: {counts.Users}; aliases.txt: {counts.Aliases}; groups.txt: {counts.Groups}");
        output.WriteLine($"relay.txt: {counts.Relay} ranges; deny.txt: {counts.Deny} ranges; accept.txt: {counts.Accept}; kill.lst: {counts.Kill} exact, {counts.KillSuffixes} suffixes");
        if (policy.Relay == RelayMode.Anyone)
        {
            output.WriteLine("warning: relay = anyone makes this an open relay");
        }

        // The canonical MSBuild error format, so a failing build names tests.txt(line,col).
        List<string> failures = PolicyTestRunner.Failures(policy);
        foreach (string failure in failures)
        {
            output.WriteLine(failure);
        }

        output.WriteLine($"tests.txt: {policy.Tests.Count - failures.Count} passed, {failures.Count} failed");
        return failures.Count == 0 ? 0 : 1;
    }

    /// <summary>The policy at <paramref name="path"/> (the one beside the server when null), or why it cannot be used.</summary>
    private static bool TryLoad(string? path, TextWriter error, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SecurityPolicy? policy)
    {
        policy = null;
        try
        {
            // `policy check` reports tests.txt itself, line by line: loaded without the loader's tests.txt gate.
            policy = PolicyAssemblyLoader.Load(path ?? PolicyAssemblyLoader.DefaultPath, runTests: false).Policy;
            return true;
        }
        catch (PolicyLoadException exception)
        {
            error.WriteLine("fastsmtp: " + exception.Message);
            return false;
        }
    }

    /// <summary>
    /// policy reload [--spool DIR] [--policy FILE]: tells the server running on the spool to load
    /// its policy again (or FILE) and re-read its TLS certificate; prints the active policy.
    /// </summary>
    public static async Task<int> ReloadAsync(string[] arguments, TextWriter output, TextWriter error)
    {
        if (!SpoolArguments.TryRead(arguments, allowPolicy: true, CommandUsage.PolicyReload, error, out string spool, out string? policyFile))
        {
            return 2;
        }

        string? answer = await QueueControl.SendAsync(Path.GetFullPath(spool), policyFile is null ? "reload" : "reload " + policyFile);
        if (answer is null)
        {
            error.WriteLine($"policy reload: no FastSmtp server is running on {Path.GetFullPath(spool)}");
            return 1;
        }

        bool succeeded = answer.StartsWith("ok ", StringComparison.Ordinal);
        (succeeded ? output : error).WriteLine(answer[(answer.IndexOf(' ') + 1)..]);
        return succeeded ? 0 : 1;
    }

    /// <summary>
    /// policy explain IP SENDER RECIPIENT [--auth user@host] [--dns ADDR[:PORT]] [--policy FILE]:
    /// the decision, then the rule; with --dns the rules that need DNS are asked too.
    /// </summary>
    public static async Task<int> ExplainAsync(string[] arguments, TextWriter output, TextWriter error)
    {
        string? auth = null;
        string? policyFile = null;
        ResolverPolicyDns? dns = null;
        var positional = new List<string>();
        for (int i = 0; i < arguments.Length; i++)
        {
            if (arguments[i] == "--auth" && i + 1 < arguments.Length)
            {
                auth = arguments[++i];
            }
            else if (arguments[i] == "--policy" && i + 1 < arguments.Length)
            {
                policyFile = arguments[++i];
            }
            else if (arguments[i] == "--dns" && i + 1 < arguments.Length && IPEndPoint.TryParse(arguments[i + 1], out _) && Program.DnsServer(arguments[i + 1]) is { } server)
            {
                dns = new ResolverPolicyDns(new Routing.DnsResolver(server));
                i++;
            }
            else
            {
                positional.Add(arguments[i]);
            }
        }

        if (positional.Count != 3 || !IPAddress.TryParse(positional[0], out IPAddress? client))
        {
            error.WriteLine(CommandUsage.PolicyExplain);
            return 2;
        }

        if (!TryLoad(policyFile, error, out SecurityPolicy? policy))
        {
            return 1;
        }

        string sender = positional[1] == "<>" ? string.Empty : positional[1].Trim('<', '>');
        IPAddress unmapped = Protocol.ClientAddress.Unmapped(client);
        string recipient = positional[2].Trim('<', '>');
        PolicyEvaluation result = dns is null
            ? policy.Evaluate(unmapped, sender, recipient, auth)
            : await policy.EvaluateAsync(unmapped, sender, recipient, auth, dns, CancellationToken.None);
        output.WriteLine(result.Reply);
        output.WriteLine("rule: " + result.Explanation);
        output.WriteLine("route: " + RouteOf(policy, recipient));
        return 0;
    }

    /// <summary>Where an accepted message for <paramref name="recipient"/> would go: a local mailbox, transport.txt's next hop, or the default route.</summary>
    private static string RouteOf(SecurityPolicy policy, string recipient)
    {
        Span<byte> normalized = stackalloc byte[AddressNormalizer.MaxLength];
        int length = AddressNormalizer.Normalize(System.Text.Encoding.UTF8.GetBytes(recipient), normalized);
        if (length <= 0)
        {
            return "none (not an address)";
        }

        ReadOnlySpan<byte> address = normalized[..length];
        if (policy.FindLocal(address).Kind != LocalNameKind.NotLocal)
        {
            return "local mailbox (hosts.txt)";
        }

        ReadOnlySpan<byte> domain = address[(AddressNormalizer.LastAtOutsideQuotes(address) + 1)..];
        return policy.Transport(domain) is { } transport
            ? $"{transport.NextHop} ({transport.Rule})"
            : "default (the smarthost when one is set, else the domain's MX hosts)";
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
            error.WriteLine(CommandUsage.HashPassword);
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
