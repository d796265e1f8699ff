using System;
using System.IO;
using System.Linq;
using FastSmtp.Generators.Helpers;
using FastSmtp.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace FastSmtp.Generators;

/// <summary>
/// Compiles the policy folder (smtp.conf, hosts, users, aliases, groups, relay, accept, kill, deny, transport, tests) into C# tables. Each policy file is its own
/// branch of the pipeline, so editing one re-runs only its parser and emitter (users, aliases
/// and groups are resolved together against hosts.txt).
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class PolicyGenerator : IIncrementalGenerator
{
    /// <summary>Tracking names, asserted by the caching tests.</summary>
    public static class TrackingNames
    {
        public const string PolicyDirectory = nameof(PolicyDirectory);
        public const string PolicyFiles = nameof(PolicyFiles);
        public const string OptionsModel = nameof(OptionsModel);
        public const string HostsModel = nameof(HostsModel);
        public const string RecipientsModel = nameof(RecipientsModel);
        public const string AcceptModel = nameof(AcceptModel);
        public const string KillModel = nameof(KillModel);
        public const string RelayModel = nameof(RelayModel);
        public const string DenyModel = nameof(DenyModel);
        public const string TransportModel = nameof(TransportModel);
        public const string TestsModel = nameof(TestsModel);
        public const string ContentHash = nameof(ContentHash);
    }

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValueProvider<string?> policyDirectory = context.AnalyzerConfigOptionsProvider
            .Select(static (options, _) => options.GlobalOptions.TryGetValue("build_property.FastSmtpPolicyFolder", out string? dir) && !string.IsNullOrWhiteSpace(dir)
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

        IncrementalValueProvider<PolicyFileText?> File(string name) => policyFiles
            .Where(file => file.FileName == name)
            .Collect()
            .Select(static (files, _) => files.FirstOrDefault());

        IncrementalValueProvider<PolicyOptionsModel> options = File("smtp.conf")
            .Select(static (file, ct) => Parser.ParseOptions(file, ct)).WithTrackingName(TrackingNames.OptionsModel);
        IncrementalValueProvider<HostsModel> hosts = File("hosts.txt")
            .Select(static (file, ct) => Parser.ParseHosts(file, ct)).WithTrackingName(TrackingNames.HostsModel);
        IncrementalValueProvider<AddressListModel> users = File("users.txt")
            .Select(static (file, ct) => Parser.ParseUsers(file, ct));
        IncrementalValueProvider<AddressListModel> aliases = File("aliases.txt")
            .Select(static (file, ct) => Parser.ParseAliases(file, groups: false, ct));
        IncrementalValueProvider<AddressListModel> groups = File("groups.txt")
            .Select(static (file, ct) => Parser.ParseAliases(file, groups: true, ct));
        IncrementalValueProvider<LocalRecipientsModel> recipients = hosts
            .Combine(users)
            .Combine(aliases)
            .Combine(groups)
            .Select(static (all, ct) => Parser.ResolveRecipients(all.Left.Left.Left, all.Left.Left.Right, all.Left.Right, all.Right, ct))
            .WithTrackingName(TrackingNames.RecipientsModel);
        IncrementalValueProvider<KeyListModel> accept = File("accept.txt")
            .Select(static (file, ct) => Parser.ParseAccept(file, ct)).WithTrackingName(TrackingNames.AcceptModel);
        IncrementalValueProvider<KeyListModel> kill = File("kill.lst")
            .Select(static (file, ct) => Parser.ParseKill(file, ct)).WithTrackingName(TrackingNames.KillModel);
        IncrementalValueProvider<AddressRangesModel> relay = File("relay.txt")
            .Select(static (file, ct) => Parser.ParseRanges("relay.txt", file, ct)).WithTrackingName(TrackingNames.RelayModel);
        IncrementalValueProvider<AddressRangesModel> deny = File("deny.txt")
            .Select(static (file, ct) => Parser.ParseRanges("deny.txt", file, ct)).WithTrackingName(TrackingNames.DenyModel);
        IncrementalValueProvider<KeyListModel> transport = File("transport.txt")
            .Select(static (file, ct) => Parser.ParseTransport(file, ct)).WithTrackingName(TrackingNames.TransportModel);
        IncrementalValueProvider<PolicyTestsModel> tests = File("tests.txt")
            .Select(static (file, ct) => Parser.ParseTests(file, ct)).WithTrackingName(TrackingNames.TestsModel);

        IncrementalValueProvider<string> contentHash = policyFiles.Collect()
            .Select(static (files, ct) => Parser.ContentHash(files, ct)).WithTrackingName(TrackingNames.ContentHash);

        context.RegisterSourceOutput(policyDirectory, static (spc, directory) =>
        {
            if (directory is null)
            {
                spc.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.PolicyFolderNotSet, Location.None));
            }
        });

        // Source and diagnostics leave through separate outputs, so a diagnostic-only change
        // does not re-emit source.
        AddSource(context, options.Select(static (m, _) => m with { Diagnostics = EquatableArray<DiagnosticInfo>.Empty }), "smtp.conf", Emitter.EmitOptions);
        AddSource(context, hosts.Select(static (m, _) => m.Hosts), "hosts.txt", Emitter.EmitHosts);
        AddSource(context, recipients.Select(static (m, _) => m with { Diagnostics = EquatableArray<DiagnosticInfo>.Empty }), "recipients", Emitter.EmitRecipients);
        AddSource(context, accept.Select(static (m, _) => m with { Diagnostics = EquatableArray<DiagnosticInfo>.Empty }), "accept.txt", Emitter.EmitAccept);
        AddSource(context, kill.Select(static (m, _) => m with { Diagnostics = EquatableArray<DiagnosticInfo>.Empty }), "kill.lst", Emitter.EmitKill);
        AddSource(context, relay.Select(static (m, _) => m with { Diagnostics = EquatableArray<DiagnosticInfo>.Empty }), "relay.txt", Emitter.EmitRanges);
        AddSource(context, deny.Select(static (m, _) => m with { Diagnostics = EquatableArray<DiagnosticInfo>.Empty }), "deny.txt", Emitter.EmitRanges);
        AddSource(context, transport.Select(static (m, _) => m with { Diagnostics = EquatableArray<DiagnosticInfo>.Empty }), "transport.txt", Emitter.EmitTransport);
        AddSource(context, contentHash, "identity", Emitter.EmitIdentity);
        AddSource(context, tests.Select(static (m, _) => m with { Diagnostics = EquatableArray<DiagnosticInfo>.Empty }), "tests.txt", Emitter.EmitTests);

        ReportDiagnostics(context, options.Select(static (m, _) => m.Diagnostics));
        ReportDiagnostics(context, hosts.Select(static (m, _) => m.Diagnostics));
        ReportDiagnostics(context, users.Select(static (m, _) => m.Diagnostics));
        ReportDiagnostics(context, aliases.Select(static (m, _) => m.Diagnostics));
        ReportDiagnostics(context, groups.Select(static (m, _) => m.Diagnostics));
        ReportDiagnostics(context, recipients.Select(static (m, _) => m.Diagnostics));
        ReportDiagnostics(context, accept.Select(static (m, _) => m.Diagnostics));
        ReportDiagnostics(context, kill.Select(static (m, _) => m.Diagnostics));
        ReportDiagnostics(context, relay.Select(static (m, _) => m.Diagnostics));
        ReportDiagnostics(context, deny.Select(static (m, _) => m.Diagnostics));
        ReportDiagnostics(context, transport.Select(static (m, _) => m.Diagnostics));
        ReportDiagnostics(context, tests.Select(static (m, _) => m.Diagnostics));
    }

    private static void AddSource<TModel>(IncrementalGeneratorInitializationContext context, IncrementalValueProvider<TModel> model, string file, Func<TModel, SourceText> emit) =>
        context.RegisterSourceOutput(model, (spc, value) => spc.AddSource($"CompiledPolicy.{file}.g.cs", emit(value)));

    private static void ReportDiagnostics(IncrementalGeneratorInitializationContext context, IncrementalValueProvider<EquatableArray<DiagnosticInfo>> diagnostics) =>
        context.RegisterSourceOutput(diagnostics, static (spc, items) =>
        {
            foreach (DiagnosticInfo diagnostic in items)
            {
                spc.ReportDiagnostic(diagnostic.ToDiagnostic());
            }
        });
}
