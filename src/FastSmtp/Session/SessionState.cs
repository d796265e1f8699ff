namespace FastSmtp.Session;

/// <summary>Where a session stands in the RFC 5321 dialogue.</summary>
internal enum SessionState : byte
{
    /// <summary>Greeted by us; no HELO/EHLO yet (also right after STARTTLS).</summary>
    Connected,

    /// <summary>HELO/EHLO done, no transaction open.</summary>
    Ready,

    /// <summary>MAIL accepted: a transaction is open (RCPT may follow).</summary>
    InTransaction,
}
