namespace FastSmtp.Policy;

/// <summary>
/// The version of the contract between the server and a compiled policy assembly (the
/// <see cref="IPolicy"/> members and the table layouts). A policy records the version it was
/// compiled against; the server refuses to load one whose version is not its own.
/// </summary>
public static class PolicyContract
{
    /// <summary>Raise it whenever IPolicy or a table layout changes.</summary>
    public const int Version = 3;
}
