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
internal readonly record struct PolicyLine(string FilePath, int Number, int Start, int Indent, string Text);
