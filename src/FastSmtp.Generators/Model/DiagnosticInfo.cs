using System;
using FastSmtp.Generators.Helpers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace FastSmtp.Generators.Model;

/// <summary>
/// A diagnostic as plain data: a <see cref="Location"/> would root the compilation and defeat caching.
/// </summary>
internal sealed record DiagnosticInfo(
    string DescriptorId,
    string FilePath,
    TextSpan Span,
    LinePositionSpan LineSpan,
    EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, PolicyLine line, int column, int length, params string[] arguments) =>
        At(descriptor, line.At(column, length), arguments);

    public static DiagnosticInfo At(DiagnosticDescriptor descriptor, PolicyLocation location, params string[] arguments) =>
        new(descriptor.Id, location.FilePath, location.Span, location.LineSpan, new EquatableArray<string>(arguments));

    public static DiagnosticInfo ForFile(DiagnosticDescriptor descriptor, string filePath, params string[] arguments) =>
        new(descriptor.Id, filePath, default, default, new EquatableArray<string>(arguments));

    public Diagnostic ToDiagnostic()
    {
        DiagnosticDescriptor descriptor = DiagnosticDescriptors.ById(DescriptorId);
        Location location = FilePath.Length == 0 ? Location.None : Location.Create(FilePath, Span, LineSpan);
        object[] args = new object[Arguments.Count];
        for (int i = 0; i < args.Length; i++)
        {
            args[i] = Arguments[i];
        }

        return Diagnostic.Create(descriptor, location, args);
    }
}
