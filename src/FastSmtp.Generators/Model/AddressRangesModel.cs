using FastSmtp.Generators.Helpers;

namespace FastSmtp.Generators.Model;

/// <summary>relay.txt or deny.txt parsed.</summary>
internal sealed record AddressRangesModel(string FileName, EquatableArray<AddressRange> Ranges, EquatableArray<DiagnosticInfo> Diagnostics);
