using FastSmtp.Generators.Helpers;

namespace FastSmtp.Generators.Model;

/// <summary>An aliases.txt or groups.txt line: the local name and its targets (one for an alias).</summary>
internal sealed record AliasEntry(string LocalPart, string Host, EquatableArray<string> Targets, PolicyLocation Location);
