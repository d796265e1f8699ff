namespace FastSmtp.Protocol;

/// <summary>RFC 3461 RET: how much of the message a DSN returns.</summary>
public enum DsnReturn : byte
{
    Default,
    Full,
    Headers,
}
