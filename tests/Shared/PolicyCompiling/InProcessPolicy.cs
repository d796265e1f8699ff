using System.Collections.Concurrent;
using FastSmtp.Generators;
using FastSmtp.Policy.Loading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace FastSmtp.Testing;

/// <summary>
/// Compiles a policy folder given as file texts in this process, with the server's own
/// generator, and loads it as the server loads FastSmtp.Policy.dll: a test states the policy
/// it runs under, instead of depending on the repository's policy/.
/// </summary>
internal static class InProcessPolicy
{
    private static readonly string PolicyDirectory = Path.Combine(Path.GetTempPath(), "fastsmtp-test-policy");
    private static readonly ConcurrentDictionary<string, Lazy<ActivePolicy>> s_compiled = new();

    /// <summary>The framework and the server assembly: what the server's build compiles a policy against.</summary>
    public static readonly MetadataReference[] References =
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(path => Path.GetFileName(path).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(path) is "netstandard.dll" or "mscorlib.dll")
            .Append(typeof(FastSmtp.Policy.IPolicy).Assembly.Location)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToArray();

    /// <summary>The policy compiled from <paramref name="files"/> (name → text), once per distinct folder.</summary>
    public static ActivePolicy Compile(IReadOnlyDictionary<string, string> files)
    {
        string key = string.Join("\0", files.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => f.Key + "\0" + f.Value));
        return s_compiled.GetOrAdd(key, _ => new Lazy<ActivePolicy>(() => Build(files))).Value;
    }

    private static ActivePolicy Build(IReadOnlyDictionary<string, string> files)
    {
        var parseOptions = (CSharpParseOptions)CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Latest);
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            [new PolicyGenerator().AsSourceGenerator()],
            files.Select(f => (AdditionalText)new InMemoryAdditionalText(Path.Combine(PolicyDirectory, f.Key), f.Value)),
            parseOptions,
            new PolicyDirectoryOptions(PolicyDirectory));
        var compilation = CSharpCompilation.Create(
            "FastSmtp.Policy",
            [],
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation compiled, out var generatorDiagnostics);
        var errors = generatorDiagnostics.Concat(compiled.GetDiagnostics()).Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (errors.Count > 0)
        {
            throw new InvalidOperationException("the test policy does not compile:\n" + string.Join("\n", errors));
        }

        using var image = new MemoryStream();
        compiled.Emit(image);
        return new ActivePolicy(PolicyAssemblyLoader.Load(image.ToArray(), "test policy"));
    }
}
