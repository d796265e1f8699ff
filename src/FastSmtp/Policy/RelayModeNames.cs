namespace FastSmtp.Policy;

/// <summary>A relay mode as smtp.conf writes it.</summary>
public static class RelayModeNames
{
    public static string ConfigValue(this RelayMode mode) => mode switch
    {
        RelayMode.Anyone => "anyone",
        RelayMode.None => "none",
        RelayMode.LocalHosts => "local-hosts",
        RelayMode.LocalUsers => "local-users",
        _ => "addresses",
    };
}
