using System.Security.Cryptography.X509Certificates;

namespace FastSmtp.Routing;

/// <summary>
/// How a connection to a next hop is secured: the TLS level, the host name sent as SNI and
/// checked against the certificate (null for a next hop known only by address), the roots a
/// verified certificate must chain to (null: the system's), and the credentials for AUTH.
/// Connections are pooled per address and security, so mail for an MX host never rides a
/// connection opened with the smarthost's credentials.
/// </summary>
public sealed record OutboundSecurity(OutboundTls Tls, string? HostName = null, SmtpCredentials? Credentials = null, X509Certificate2Collection? TrustedRoots = null)
{
    /// <summary>Mail to MX hosts: STARTTLS when offered, as Postfix's default "may".</summary>
    public static OutboundSecurity Opportunistic { get; } = new(OutboundTls.May);

    /// <summary>The levels that never send in plain text.</summary>
    public bool RequiresTls => Tls is OutboundTls.Encrypt or OutboundTls.Verify or OutboundTls.Implicit;

    public bool VerifiesCertificate => Tls is OutboundTls.Verify or OutboundTls.Implicit;
}
