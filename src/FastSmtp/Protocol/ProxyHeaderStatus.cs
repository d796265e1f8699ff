namespace FastSmtp.Protocol;

/// <summary>The outcome of <see cref="ProxyHeaderParser.TryParse"/>.</summary>
public enum ProxyHeaderStatus : byte
{
    /// <summary>Not all of the header has arrived; nothing was consumed.</summary>
    Incomplete,

    /// <summary>The header was read and consumed.</summary>
    Parsed,

    /// <summary>The data is not a valid header; the connection is refused.</summary>
    Rejected,
}
