namespace FastSmtp.Protocol;

/// <summary>Why a command line was refused before its verb was looked at.</summary>
public enum CommandRejection : byte
{
    /// <summary>No CRLF within 512 octets (RFC 5321 4.5.3.1.4).</summary>
    LineTooLong,

    /// <summary>The line ended in LF without CR (RFC 5321 2.3.8).</summary>
    BareLineFeed,
}
