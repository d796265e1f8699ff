using FastSmtp.Testing;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace FastSmtp.Generators.Tests;

/// <summary>Runs <see cref="PolicyGenerator"/> the way the compiler does, over in-memory policy files.</summary>
internal static class GeneratorRunner
{
    public static readonly string PolicyDirectory = Path.Combine(Path.GetTempPath(), "fastsmtp-policy");

    /// <summary>A policy file in the policy folder.</summary>
    public static AdditionalText Text(string name, string text) => new InMemoryAdditionalText(Path.Combine(PolicyDirectory, name), text);

    public static GeneratorDriver CreateDriver(string? policyDirectory, params (string Name, string Text)[] files) =>
        CreateDriver(policyDirectory, files.Select(f => Text(f.Name, f.Text)).ToArray());

    public static GeneratorDriver CreateDriver(string? policyDirectory, params AdditionalText[] texts) =>
        CSharpGeneratorDriver.Create(
            [new PolicyGenerator().AsSourceGenerator()],
            texts,
            (CSharpParseOptions)CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Latest),
            new PolicyDirectoryOptions(policyDirectory ?? PolicyDirectory),
            new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>The framework and the server assembly: what the server's own build compiles the policy against.</summary>
    public static MetadataReference[] References => InProcessPolicy.References;

    public static CSharpCompilation Compilation(params string[] sources) =>
        CSharpCompilation.Create(
            "PolicyTests" + Guid.NewGuid().ToString("N"),
            sources.Select(source => CSharpSyntaxTree.ParseText(source, (CSharpParseOptions)CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Latest))),
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriverRunResult Run(params (string Name, string Text)[] files) =>
        CreateDriver(null, files).RunGenerators(Compilation()).GetRunResult();

    public static string GeneratedSource(GeneratorDriverRunResult result, string hintName) =>
        result.Results.Single().GeneratedSources.Single(s => s.HintName == hintName).SourceText.ToString();

    public static ImmutableArray<Diagnostic> Diagnostics(GeneratorDriverRunResult result) => result.Results.Single().Diagnostics;
}
