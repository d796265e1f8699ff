namespace FastSmtp.Policy;

public enum LocalNameKind : byte
{
    /// <summary>The domain is not a local host.</summary>
    NotLocal,

    /// <summary>A local host, but no such user, alias or group.</summary>
    Unknown,
    User,
    Alias,
    Group,
}
