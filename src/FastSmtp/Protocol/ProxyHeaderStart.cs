namespace FastSmtp.Protocol;

/// <summary>How far a connection's first octets match the opening of a PROXY header.</summary>
public enum ProxyHeaderStart : byte
{
    /// <summary>They do not: ordinary SMTP.</summary>
    None,

    /// <summary>They match as far as they go; more octets decide.</summary>
    Partial,

    /// <summary>"PROXY " or the whole version 2 signature.</summary>
    Full,
}
