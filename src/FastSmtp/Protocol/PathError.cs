namespace FastSmtp.Protocol;

/// <summary>Why a MAIL FROM or RCPT TO argument was refused.</summary>
public enum PathError : byte
{
    None,

    /// <summary>The argument does not start with FROM: / TO:.</summary>
    MissingKeyword,

    /// <summary>Angle brackets, quotes or a source route are not closed or not well formed.</summary>
    BadPathSyntax,

    /// <summary>The mailbox is not local-part@domain (RFC 5321 4.1.2).</summary>
    BadMailbox,

    /// <summary>Local part over 64 octets, domain over 255, or path over 256 (RFC 5321 4.5.3.1).</summary>
    TooLong,

    /// <summary>Octets that are not UTF-8 (RFC 6531 allows UTF-8 only): never looked up, never passed on.</summary>
    NotUtf8,
}
