namespace FastSmtp.Generators.Model;

/// <summary>
/// One significant line of a policy file, with the comment removed: the text the parser sees and
/// where it stands, so diagnostics can name file, line and column.
/// </summary>
/// <param name="FilePath">The policy file.</param>
/// <param name="Number">1-based line number.</param>
/// <param name="Start">Offset of the line's first character in the file.</param>
/// <param name="Indent">Column of <paramref name="Text"/>'s first character (leading whitespace trimmed).</param>
/// <param name="Text">The trimmed content.</param>
internal readonly record struct PolicyLine(string FilePath, int Number, int Start, int Indent, string Text)
{
    /// <summary>The location of <paramref name="length"/> characters at <paramref name="column"/> (0-based, in the file's line).</summary>
    public PolicyLocation At(int column, int length) => new(
        FilePath,
        Number,
        new Microsoft.CodeAnalysis.Text.TextSpan(Start + column, length),
        new Microsoft.CodeAnalysis.Text.LinePositionSpan(
            new Microsoft.CodeAnalysis.Text.LinePosition(Number - 1, column),
            new Microsoft.CodeAnalysis.Text.LinePosition(Number - 1, column + length)));
}
