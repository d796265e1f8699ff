using FastSmtp.Generators.Helpers;

namespace FastSmtp.Generators.Model;

/// <summary>accept.txt or kill.lst parsed: exact keys, and (kill.lst) domain suffixes.</summary>
internal sealed record KeyListModel(EquatableArray<KeyedEntry> Exact, EquatableArray<KeyedEntry> Suffixes, EquatableArray<DiagnosticInfo> Diagnostics);
