namespace FastSmtp.Session;

/// <summary>Where an AUTH exchange (RFC 4954) stands.</summary>
internal enum AuthStep : byte
{
    None,

    /// <summary>AUTH PLAIN without an initial response: waiting for authzid\0authcid\0password.</summary>
    PlainResponse,

    /// <summary>AUTH LOGIN: waiting for the user name.</summary>
    LoginUser,

    /// <summary>AUTH LOGIN: waiting for the password.</summary>
    LoginPassword,
}
