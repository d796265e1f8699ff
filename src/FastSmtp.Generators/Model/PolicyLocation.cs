using Microsoft.CodeAnalysis.Text;

namespace FastSmtp.Generators.Model;

/// <summary>Where a token stands, for diagnostics raised after parsing (cross-file checks).</summary>
internal readonly record struct PolicyLocation(string FilePath, int Line, TextSpan Span, LinePositionSpan LineSpan);
