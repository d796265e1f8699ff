namespace FastSmtp.Protocol;

/// <summary>Why a PROXY protocol header was refused; the connection is then answered 421 and closed.</summary>
public enum ProxyHeaderRejection : byte
{
    /// <summary>Neither "PROXY " (version 1) nor the 12-octet version 2 signature.</summary>
    NotAProxyHeader,

    /// <summary>A version 1 line without CRLF within 107 octets.</summary>
    LineTooLong,

    /// <summary>A version 1 line that is not "PROXY TCP4|TCP6 SRC DST SPORT DPORT" or "PROXY UNKNOWN ...".</summary>
    MalformedLine,

    /// <summary>A version 2 header of another version or command than 2/LOCAL or 2/PROXY.</summary>
    UnsupportedVersion,

    /// <summary>A version 2 header for datagrams or a family it does not know, or too short for its addresses.</summary>
    UnsupportedAddress,

    /// <summary>A version 2 header announcing more than <see cref="ProxyHeaderParser.MaxVersion2Length"/> octets.</summary>
    TooLong,
}
