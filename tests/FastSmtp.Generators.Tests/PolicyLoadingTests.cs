using System.Runtime.CompilerServices;
using FastSmtp.Policy;
using FastSmtp.Policy.Loading;
using Microsoft.CodeAnalysis;

namespace FastSmtp.Generators.Tests;

/// <summary>
/// Policy assemblies compiled here as the policy build compiles them, written to files and
/// loaded and reloaded as the server does: what is refused, what stays, what unloads.
/// </summary>
public class PolicyLoadingTests : IDisposable
{
    private readonly string _directory = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "fastsmtp-loading-" + Guid.NewGuid().ToString("N"))).FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void A_reload_switches_new_askers_to_the_new_policy_and_the_old_one_unloads_once_its_last_session_lets_go()
    {
        string first = Write("first.dll", Compile("first.test"));
        string second = Write("second.dll", Compile("second.test"));
        ActivePolicy active = Start(first);
        Assert.Equal("first.test", HostOf(active));

        // A session that started before the reload holds the old policy.
        var session = new StrongBox<SecurityPolicy?>();
        WeakReference oldPolicyType = Reload(active, second, session);
        Assert.Equal("second.test", HostOf(active));
        Assert.Equal("first.test", HostOf(session));
        Assert.False(Collected(oldPolicyType));

        // Its session over, nothing holds the old policy: its assembly is unloaded.
        session.Value = null;
        Assert.True(Collected(oldPolicyType));
        Assert.Equal("second.test", HostOf(active));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ActivePolicy Start(string path) => new(PolicyAssemblyLoader.Load(path));

    // Helpers that touch a policy object keep it out of the test's own stack frame, where a
    // debug build would keep it alive to the end of the method.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static string HostOf(ActivePolicy active) => active.Current.PrimaryHost;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static string HostOf(StrongBox<SecurityPolicy?> session) => session.Value!.PrimaryHost;

    [Fact]
    public void A_file_rebuilt_over_the_one_loaded_is_read_again_on_reload()
    {
        string path = Write("policy.dll", Compile("before.test"));
        var active = new ActivePolicy(PolicyAssemblyLoader.Load(path));

        // The loader read the file and closed it: it can be replaced while the policy runs.
        Write("policy.dll", Compile("after.test"));
        active.Reload();

        Assert.Equal("after.test", active.Current.PrimaryHost);
    }

    [Fact]
    public void A_policy_built_against_another_contract_or_not_a_policy_or_failing_its_tests_is_refused_and_the_old_one_stays()
    {
        var active = new ActivePolicy(PolicyAssemblyLoader.Load(Write("good.dll", Compile("good.test"))));

        PolicyLoadException other = Assert.Throws<PolicyLoadException>(() => active.Reload(Write("other.dll", Compile("other.test", contractVersion: PolicyContract.Version + 1))));
        Assert.Contains("was built for another FastSmtp", other.Message);
        Assert.Contains($"policy contract {PolicyContract.Version + 1}", other.Message);

        PolicyLoadException notPolicy = Assert.Throws<PolicyLoadException>(() => active.Reload(typeof(SecurityPolicy).Assembly.Location));
        Assert.Contains("is not a FastSmtp policy", notPolicy.Message);

        PolicyLoadException garbage = Assert.Throws<PolicyLoadException>(() => active.Reload(Write("garbage.dll", "MZ not an assembly"u8.ToArray())));
        Assert.Contains("is not a .NET assembly", garbage.Message);

        PolicyLoadException missing = Assert.Throws<PolicyLoadException>(() => active.Reload(Path.Combine(_directory, "missing.dll")));
        Assert.Contains("cannot read", missing.Message);

        PolicyLoadException failing = Assert.Throws<PolicyLoadException>(() => active.Reload(Write("failing.dll", Compile("failing.test", tests: "203.0.113.5 a@x.example u@remote.example => accept\n"))));
        Assert.Contains("tests.txt(1,", failing.Message);
        Assert.Contains("error FSMTP020: expected accept, got 550", failing.Message);

        Assert.Equal("good.test", active.Current.PrimaryHost);
    }

    /// <summary>
    /// Reloads, with the old policy held by <paramref name="session"/>; returns a weak reference to
    /// the old policy's type, which lives exactly as long as its unloading assembly (the context
    /// object itself may be collected before its types are).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference Reload(ActivePolicy active, string path, StrongBox<SecurityPolicy?> session)
    {
        LoadedPolicy old = active.Loaded;
        session.Value = old.Policy;
        active.Reload(path);
        return new WeakReference(old.Policy.GetType());
    }

    private static bool Collected(WeakReference reference)
    {
        for (int i = 0; i < 20 && reference.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        return !reference.IsAlive;
    }

    private string Write(string name, byte[] image)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, image);
        return path;
    }

    /// <summary>A policy assembly for one host, as the generator and the compiler make it (optionally claiming another contract version).</summary>
    private static byte[] Compile(string host, int contractVersion = PolicyContract.Version, string tests = "")
    {
        GeneratorDriver driver = GeneratorRunner.CreateDriver(null, ("hosts.txt", host + "\n"), ("tests.txt", tests));
        driver.RunGeneratorsAndUpdateCompilation(GeneratorRunner.Compilation(), out Compilation compilation, out _);
        if (contractVersion != PolicyContract.Version)
        {
            SyntaxTree identity = compilation.SyntaxTrees.Single(t => t.FilePath.EndsWith("CompiledPolicy.identity.g.cs", StringComparison.Ordinal));
            string text = identity.ToString().Replace("global::FastSmtp.Policy.PolicyContract.Version", contractVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
            compilation = compilation.ReplaceSyntaxTree(identity, identity.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(text)));
        }

        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        using var image = new MemoryStream();
        Assert.True(compilation.Emit(image).Success);
        return image.ToArray();
    }
}
