namespace FastSmtp.Generators.Model;

/// <summary>One smtp.conf key's value, as normalised text, and its line (0 when defaulted).</summary>
internal sealed record PolicyOptionValue(string Key, string Value, int Line);
