namespace FastSmtp.Protocol;

/// <summary>An RFC 3463 status code (class.subject.detail); all zero when the line has none.</summary>
public readonly record struct EnhancedStatusCode(byte Class, short Subject, short Detail)
{
    public bool IsPresent => Class != 0;

    public override string ToString() => IsPresent ? $"{Class}.{Subject}.{Detail}" : string.Empty;
}
