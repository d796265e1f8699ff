using FastSmtp.Generators.Helpers;

namespace FastSmtp.Generators.Model;

/// <summary>A local host from hosts.txt: its canonical name and its aliases, ASCII-lowercased.</summary>
internal sealed record HostEntry(string Name, EquatableArray<string> Aliases, int LineNumber);
