using FastSmtp.Generators.Helpers;

namespace FastSmtp.Generators.Model;

/// <summary>smtp.conf: every option with its value and the line that set it (0 = default).</summary>
internal sealed record PolicyOptionsModel(EquatableArray<PolicyOptionValue> Values, EquatableArray<DiagnosticInfo> Diagnostics);
