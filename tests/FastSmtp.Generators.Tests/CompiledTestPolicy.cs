using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace FastSmtp.Generators.Tests;

/// <summary>
/// A policy folder compiled the way the server's build compiles it (the generator, then the C#
/// compiler, against the server's assembly) and loaded, so tests run the real engine over the
/// real generated tables. No hand-written runtime parser is involved.
/// </summary>
internal sealed class CompiledTestPolicy
{
    private const string Probe = """
        using System.Net;
        using FastSmtp.Policy;

        public static class PolicyProbe
        {
            public static string[] Evaluate(string ip, string sender, string recipient, string? auth)
            {
                PolicyEvaluation result = PolicyEvaluator<CompiledPolicy>.Evaluate(IPAddress.Parse(ip), sender, recipient, auth);
                return [result.Result, result.Reply, result.Explanation];
            }

            public static string PrimaryHost => CompiledPolicy.PrimaryHost;

            public static string[] Verify(string address)
            {
                PolicyDecision decision = PolicyEngine<CompiledPolicy>.Verify(System.Text.Encoding.UTF8.GetBytes(address));
                return [decision.Code.ToString(), decision.RuleText];
            }

            public static string[] SessionRules(string nullSenderHeaders)
            {
                PolicyDecision overlong = PolicyEngine<CompiledPolicy>.CheckOverlongLine();
                PolicyDecision message = PolicyEngine<CompiledPolicy>.CheckMessage(nullSender: true, System.Text.Encoding.UTF8.GetBytes(nullSenderHeaders));
                PolicyDecision badPassword = PolicyEngine<CompiledPolicy>.Authenticate("fred@local.test", "wrong"u8, 1000);
                PolicyDecision outsideTls = PolicyEngine<CompiledPolicy>.CheckAuthAllowed(false, IPAddress.Parse("192.0.2.1"));
                PolicyDecision loopback = PolicyEngine<CompiledPolicy>.CheckAuthAllowed(false, IPAddress.Parse("::ffff:127.0.0.1"));
                return [overlong.Outcome + " " + overlong.RuleText, message.Outcome + " " + message.RuleText, badPassword.Code + " " + badPassword.Reason,
                    outsideTls.Code + " " + outsideTls.Reason, loopback.Outcome + " " + loopback.Reason,
                    PolicyEngine<CompiledPolicy>.AdvertisesAuth(true, IPAddress.Parse("192.0.2.1")).ToString()];
            }

            public static string[] ExpandGroup(string address, bool authenticated)
            {
                PolicyDecision decision = PolicyEngine<CompiledPolicy>.ExpandGroup(System.Text.Encoding.UTF8.GetBytes(address), authenticated, out int group);
                return [decision.Outcome.ToString(), decision.RuleText, group < 0 ? "" : System.Text.Encoding.UTF8.GetString(CompiledPolicy.GroupMembers(group))];
            }
        }
        """;

    private static readonly ConcurrentDictionary<string, CompiledTestPolicy> s_cache = new();
    private readonly MethodInfo _evaluate;

    private readonly Type _probe;

    private CompiledTestPolicy(Assembly assembly)
    {
        _probe = assembly.GetType("PolicyProbe")!;
        _evaluate = _probe.GetMethod("Evaluate")!;
    }

    /// <summary>VRFY's decision: the reply code and the rule.</summary>
    public (string Code, string Rule) Verify(string address)
    {
        string[] result = (string[])_probe.GetMethod("Verify")!.Invoke(null, [address])!;
        return (result[0], result[1]);
    }

    /// <summary>The session's other questions, each as "outcome-or-code rule-or-reason".</summary>
    public string[] SessionRules(string nullSenderHeaders) => (string[])_probe.GetMethod("SessionRules")!.Invoke(null, [nullSenderHeaders])!;

    /// <summary>EXPN's decision: the outcome, the rule and the members when allowed.</summary>
    public (string Outcome, string Rule, string Members) ExpandGroup(string address, bool authenticated)
    {
        string[] result = (string[])_probe.GetMethod("ExpandGroup")!.Invoke(null, [address, authenticated])!;
        return (result[0], result[1], result[2]);
    }

    public static CompiledTestPolicy Get(string name, IReadOnlyDictionary<string, string> files) =>
        s_cache.GetOrAdd(name, _ => Compile(files));

    public static CompiledTestPolicy Compile(IReadOnlyDictionary<string, string> files)
    {
        GeneratorDriver driver = GeneratorRunner.CreateDriver(null, files.Select(f => (f.Key, f.Value)).ToArray());
        driver.RunGeneratorsAndUpdateCompilation(GeneratorRunner.Compilation(Probe), out Compilation compilation, out var generatorDiagnostics);
        var problems = generatorDiagnostics.Concat(compilation.GetDiagnostics()).Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("the test policy does not compile:\n" + string.Join("\n", problems));
        }

        using var image = new MemoryStream();
        compilation.Emit(image);
        image.Position = 0;
        return new CompiledTestPolicy(new AssemblyLoadContext(null, isCollectible: true).LoadFromStream(image));
    }

    /// <summary>tests.txt's view: "accept" or the reply code, the reply, and the rule.</summary>
    public (string Result, string Reply, string Explanation) Evaluate(string ip, string sender, string recipient, string? auth = null)
    {
        string[] result = (string[])_evaluate.Invoke(null, [ip, sender, recipient, auth])!;
        return (result[0], result[1], result[2]);
    }
}
