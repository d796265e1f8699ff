namespace FastSmtp.Hosting;

/// <summary>
/// One server flag: the configuration key it sets, the value it takes (null for a bare switch,
/// which means true), and its line of --help.
/// </summary>
internal sealed record CommandLineSwitch(string Name, string Key, string? Value, string Help);
