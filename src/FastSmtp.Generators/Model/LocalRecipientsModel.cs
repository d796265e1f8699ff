using FastSmtp.Generators.Helpers;

namespace FastSmtp.Generators.Model;

/// <summary>
/// users, aliases and groups resolved against hosts.txt: keys are "local@canonical-host",
/// ASCII-lowercased, so any alias of a host reaches the same entry.
/// </summary>
internal sealed record LocalRecipientsModel(
    EquatableArray<KeyedEntry> Users,
    EquatableArray<KeyedEntry> Aliases,
    EquatableArray<KeyedEntry> Groups,
    EquatableArray<DiagnosticInfo> Diagnostics);
