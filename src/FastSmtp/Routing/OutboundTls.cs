namespace FastSmtp.Routing;

/// <summary>TLS to a next hop, as Postfix's smtp_tls_security_level names the levels.</summary>
public enum OutboundTls
{
    /// <summary>Plain text; STARTTLS is never tried.</summary>
    None,

    /// <summary>STARTTLS when offered, any certificate; plain text when it is not offered or its handshake fails.</summary>
    May,

    /// <summary>STARTTLS required, any certificate: without it the mail waits, never leaving in plain text.</summary>
    Encrypt,

    /// <summary>As <see cref="Encrypt"/>, and the certificate must chain to a trusted root and name the host.</summary>
    Verify,

    /// <summary>TLS from the first byte (port 465, RFC 8314), verified as <see cref="Verify"/>.</summary>
    Implicit,
}
