namespace FastSmtp.Generators.Model;

/// <summary>
/// A relay.txt or deny.txt line as an inclusive range of addresses. IPv4 uses the low 32 bits
/// of <see cref="StartLow"/>/<see cref="EndLow"/>; IPv6 uses all 128.
/// </summary>
internal sealed record AddressRange(bool IsIPv6, ulong StartHigh, ulong StartLow, ulong EndHigh, ulong EndLow, int Line);
