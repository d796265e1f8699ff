using System;
using System.IO;
using System.Linq;
using FastSmtp.Generators.Model;
using Microsoft.CodeAnalysis;

namespace FastSmtp.Generators;

/// <summary>
/// Compiles the policy folder (SPEC.md section 2) into C# tables. Each policy file is its own
/// branch of the pipeline, so editing one re-runs only its parser and emitter.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class PolicyGenerator : IIncrementalGenerator
{
    /// <summary>Tracking names, asserted by the caching tests.</summary>
    public static class TrackingNames
    {
        public const string PolicyDirectory = nameof(PolicyDirectory);
        public const string PolicyFiles = nameof(PolicyFiles);
        public const string HostsModel = nameof(HostsModel);
    }

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValueProvider<string?> policyDirectory = context.AnalyzerConfigOptionsProvider
            .Select(static (options, _) => options.GlobalOptions.TryGetValue("build_property.FastSmtpPolicyDir", out string? dir) && !string.IsNullOrWhiteSpace(dir)
                ? Parser.NormalizeDirectory(dir)
                : null)
            .WithTrackingName(TrackingNames.PolicyDirectory);

        IncrementalValuesProvider<PolicyFileText> policyFiles = context.AdditionalTextsProvider
            .Combine(policyDirectory)
            .Where(static pair => pair.Right is not null && Parser.IsInDirectory(pair.Left.Path, pair.Right))
            .Select(static (pair, cancellationToken) => new PolicyFileText(
                Path.GetFileName(pair.Left.Path).ToLowerInvariant(),
                pair.Left.Path,
                pair.Left.GetText(cancellationToken)?.ToString() ?? string.Empty))
            .WithTrackingName(TrackingNames.PolicyFiles);

        IncrementalValueProvider<HostsModel> hosts = policyFiles
            .Where(static file => file.FileName == "hosts.txt")
            .Collect()
            .Select(static (files, cancellationToken) => Parser.ParseHosts(files.FirstOrDefault(), cancellationToken))
            .WithTrackingName(TrackingNames.HostsModel);

        context.RegisterSourceOutput(policyDirectory, static (spc, directory) =>
        {
            if (directory is null)
            {
                spc.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.PolicyFolderNotSet, Location.None));
            }
        });

        // Source and diagnostics leave through separate outputs so a diagnostic-only change
        // does not re-emit source.
        context.RegisterSourceOutput(hosts.Select(static (model, _) => model.Hosts), static (spc, hostEntries) =>
        {
            if (hostEntries.Count > 0)
            {
                spc.AddSource("CompiledPolicy.hosts.txt.g.cs", Emitter.EmitHosts(hostEntries));
            }
        });
        context.RegisterSourceOutput(hosts.Select(static (model, _) => model.Diagnostics), static (spc, diagnostics) =>
        {
            foreach (DiagnosticInfo diagnostic in diagnostics)
            {
                spc.ReportDiagnostic(diagnostic.ToDiagnostic());
            }
        });
    }
}
