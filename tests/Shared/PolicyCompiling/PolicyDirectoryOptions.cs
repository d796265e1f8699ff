using System.Diagnostics.CodeAnalysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace FastSmtp.Testing;

/// <summary>What MSBuild passes the generator: the FastSmtpPolicyDir property.</summary>
internal sealed class PolicyDirectoryOptions(string? policyDirectory) : AnalyzerConfigOptionsProvider
{
    public override AnalyzerConfigOptions GlobalOptions { get; } = new Options(policyDirectory);

    public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => new Options(null);

    public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => new Options(null);

    private sealed class Options(string? policyDirectory) : AnalyzerConfigOptions
    {
        public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value)
        {
            value = key == "build_property.FastSmtpPolicyFolder" ? policyDirectory : null;
            return value is not null;
        }
    }
}
