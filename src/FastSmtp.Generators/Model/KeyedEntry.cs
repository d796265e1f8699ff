namespace FastSmtp.Generators.Model;

/// <summary>A table entry: its lookup key, the value stored with it (text) and the line that made it.</summary>
internal sealed record KeyedEntry(string Key, string Value, int Line);
