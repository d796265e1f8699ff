namespace FastSmtp.Protocol;

/// <summary>The commands FastSmtp recognises.</summary>
public enum SmtpVerb : byte
{
    Unknown,
    Helo,
    Ehlo,
    Mail,
    Rcpt,
    Data,
    Bdat,
    Rset,
    Noop,
    Quit,
    Vrfy,
    Expn,
    Help,
    StartTls,
    Auth,
}
