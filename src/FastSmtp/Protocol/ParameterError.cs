namespace FastSmtp.Protocol;

/// <summary>Why MAIL or RCPT parameters were refused.</summary>
public enum ParameterError : byte
{
    None,

    /// <summary>A known parameter with a value its RFC does not allow (501 5.5.4).</summary>
    BadValue,

    /// <summary>A parameter this server does not implement (555 5.5.4).</summary>
    Unsupported,
}
