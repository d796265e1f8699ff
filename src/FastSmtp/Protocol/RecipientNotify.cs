namespace FastSmtp.Protocol;

/// <summary>RFC 3461 NOTIFY: when the sender wants a DSN for this recipient.</summary>
[Flags]
public enum RecipientNotify : byte
{
    /// <summary>Not given: the default, failures (and maybe delays) are reported.</summary>
    Default = 0,
    Never = 1,
    Success = 2,
    Failure = 4,
    Delay = 8,
}
