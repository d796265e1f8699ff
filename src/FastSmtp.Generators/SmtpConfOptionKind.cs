namespace FastSmtp.Generators;

/// <summary>What an smtp.conf value may be, and so the C# type its IPolicy property has.</summary>
internal enum SmtpConfOptionKind
{
    /// <summary>yes or no: a bool.</summary>
    YesNo,

    /// <summary>One of <see cref="SmtpConfOptions.RelayModes"/>: a RelayMode.</summary>
    RelayMode,

    /// <summary>DNS zone names, comma-separated, or nothing: a string.</summary>
    ZoneList,
}
