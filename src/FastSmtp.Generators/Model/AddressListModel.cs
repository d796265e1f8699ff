using FastSmtp.Generators.Helpers;

namespace FastSmtp.Generators.Model;

/// <summary>users.txt, aliases.txt or groups.txt parsed, before host names are resolved.</summary>
internal sealed record AddressListModel(EquatableArray<UserEntry> Users, EquatableArray<AliasEntry> Aliases, EquatableArray<DiagnosticInfo> Diagnostics);
