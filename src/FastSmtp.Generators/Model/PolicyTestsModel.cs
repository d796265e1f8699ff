using FastSmtp.Generators.Helpers;

namespace FastSmtp.Generators.Model;

/// <summary>tests.txt parsed: the expectations and the file they came from.</summary>
internal sealed record PolicyTestsModel(string FilePath, EquatableArray<PolicyTestCase> Cases, EquatableArray<DiagnosticInfo> Diagnostics);
