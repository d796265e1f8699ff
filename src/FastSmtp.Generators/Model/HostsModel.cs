using FastSmtp.Generators.Helpers;

namespace FastSmtp.Generators.Model;

/// <summary>hosts.txt parsed: the primary host first, then virtual hosts, in file order.</summary>
internal sealed record HostsModel(EquatableArray<HostEntry> Hosts, EquatableArray<DiagnosticInfo> Diagnostics);
