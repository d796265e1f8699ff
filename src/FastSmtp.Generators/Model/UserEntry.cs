namespace FastSmtp.Generators.Model;

/// <summary>A users.txt line: local part, host as written (lowercased), and the hash ('-' = no AUTH).</summary>
internal sealed record UserEntry(string LocalPart, string Host, string Hash, PolicyLocation Location);
