namespace FastSmtp.Protocol;

/// <summary>MAIL FROM's ESMTP parameters (RFC 1870 SIZE, RFC 6152 BODY, RFC 6531 SMTPUTF8, RFC 3461 RET and ENVID), as read.</summary>
public readonly ref struct MailParameters
{
    /// <summary>The SIZE the client declared; -1 when it declared none.</summary>
    public long Size { get; init; }

    /// <summary>BODY=8BITMIME.</summary>
    public bool EightBitMime { get; init; }

    public bool SmtpUtf8 { get; init; }

    public DsnReturn Return { get; init; }

    /// <summary>ENVID's xtext, as received; empty when not given.</summary>
    public ReadOnlySpan<byte> EnvelopeId { get; init; }
}
