namespace FastSmtp.Protocol;

/// <summary>Why a next hop's reply could not be read; the delivery treats each as a temporary failure.</summary>
public enum ReplyRejection : byte
{
    /// <summary>No CRLF within 512 octets (RFC 5321 4.5.3.1.5).</summary>
    LineTooLong,

    /// <summary>The line does not start with a three-digit code and a separator.</summary>
    NotAReply,

    /// <summary>A line of a multi-line reply carries another code than the first (RFC 5321 4.2.1).</summary>
    InconsistentCode,

    /// <summary>More lines than <see cref="SmtpReplyParser.MaxReplyLines"/>: a peer feeding us forever.</summary>
    TooManyLines,
}
